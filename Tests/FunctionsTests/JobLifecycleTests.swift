@testable import Durable
import Outpost
import Testing

/// The job lifecycle and dispatch as plain values.
@Suite("Job lifecycle and dispatch plan")
struct JobLifecycleTests {
    @Test("every status × event pair: exactly the documented transitions are legal")
    func exhaustive() {
        let expected: [JobStatus: [JobEvent: JobStatus]] = [
            .queued: [.dispatch: .running, .cancel: .cancelled, .unroutable: .failed],
            .running: [.succeed: .succeeded, .failPermanent: .failed, .failRetryable: .queued, .timeout: .queued, .cancel: .cancelled, .interrupt: .queued],
        ]
        for status in JobStatus.allCases {
            for event in JobEvent.allCases {
                let next = JobLifecycle.next(status, event, attempts: 1, maxAttempts: 3)
                #expect(next == expected[status]?[event], "\(status) + \(event)")
            }
        }
        // Terminal statuses never change.
        for status in JobStatus.allCases where status.isTerminal {
            #expect(JobEvent.allCases.allSatisfy { JobLifecycle.next(status, $0, attempts: 1, maxAttempts: 3) == nil })
        }
    }

    @Test("a retryable fault on the last attempt dead-letters; a permanent one fails at once")
    func lastAttempt() {
        #expect(JobLifecycle.next(.running, .failRetryable, attempts: 3, maxAttempts: 3) == .deadLettered)
        #expect(JobLifecycle.next(.running, .timeout, attempts: 3, maxAttempts: 3) == .deadLettered)
        #expect(JobLifecycle.next(.running, .failRetryable, attempts: 2, maxAttempts: 3) == .queued)
        #expect(JobLifecycle.next(.running, .failPermanent, attempts: 1, maxAttempts: 3) == .failed)
    }

    static let routes: [String: DispatchPlan.Route] = [
        "video.analyze": .init(className: "Video", jobsPerInstance: 2, image: "video"),
        "doc.render": .init(className: "Doc", jobsPerInstance: 1, image: "doc"),
        "orphan.run": .init(className: "Orphan", jobsPerInstance: 1, image: "orphan"),
    ]

    static func plan(_ jobs: [(String, String)], running: Set<String> = [], pool: inout InstancePool, maxVideo: Int = 2) -> DispatchPlan {
        DispatchPlan.make(
            ready: jobs.map { DispatchPlan.Job(id: $0.0, type: $0.1, attempts: 0) }, running: running, pool: &pool,
            routes: { routes[$0] }, classes: ["Video": .init(maxInstances: maxVideo, instanceType: InstanceTypes.all[0]), "Doc": .init(maxInstances: 1, instanceType: InstanceTypes.all[0])],
            binding: { "\($0.uppercased())_BINDING" })
    }

    @Test("dispatch packs jobs best-first onto instances, scales up with a reason, and skips a full class without blocking others")
    func dispatch() {
        var pool = InstancePool()
        let plan = Self.plan([("a", "video.analyze"), ("b", "video.analyze"), ("c", "video.analyze"), ("d", "video.analyze"), ("e", "video.analyze"),
                              ("f", "doc.render"), ("g", "doc.render")], pool: &pool)
        #expect(plan.assignments.map(\.jobId) == ["a", "b", "c", "d", "f"])
        #expect(plan.assignments.map(\.instanceName) == ["video-1", "video-1", "video-2", "video-2", "doc-1"])
        #expect(plan.assignments.allSatisfy { $0.attempt == 1 })
        #expect(plan.scaling.map(\.className) == ["Video", "Video", "Doc"])
        #expect(plan.scaling[0].reason == "5 job(s) queued and no instance busy: starting video-1")
        #expect(plan.scaling[1].reason == "5 job(s) queued and 1 busy instance(s) full at 2 jobs each: adding video-2 (max_instances 2)")
        #expect(plan.unroutable.isEmpty)
        #expect(pool.busyInstances("Video") == 2)

        // The next pass finds no room until a slot is freed; running jobs are never planned twice.
        var again = pool
        #expect(Self.plan([("e", "video.analyze")], running: ["a", "b", "c", "d"], pool: &again).assignments.isEmpty)
        again.release(className: "Video", index: 2)
        let next = Self.plan([("e", "video.analyze")], running: ["a", "b", "c"], pool: &again)
        #expect(next.assignments.map(\.instanceName) == ["video-2"])
        #expect(next.scaling.isEmpty, "a slot on a busy instance is not a scale-up")
    }

    @Test("jobs of an unknown type or an unconfigured class cannot run: they are reported with the fix")
    func unroutable() {
        var pool = InstancePool()
        let plan = Self.plan([("x", "gone.type"), ("y", "orphan.run")], pool: &pool)
        #expect(plan.assignments.isEmpty)
        #expect(plan.unroutable.map(\.jobId) == ["x", "y"])
        #expect(plan.unroutable[0].failure.code == "unknown_job_type")
        #expect(plan.unroutable[1].failure.code == "container_not_configured")
        #expect(plan.unroutable[1].failure.message.contains("class_name = \"Orphan\"") && plan.unroutable[1].failure.message.contains("ORPHAN_BINDING"))
    }
}
