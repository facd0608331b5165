import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// Lifecycle with real processes: scale to zero, priorities, crashes, cancel, timeouts, webhooks.
@Suite("Platform lifecycle", .serialized)
struct PlatformLifecycleTests {
    @Test("the video-processor process exists only while there is work and is gone sleepAfter after the last job")
    func scaleToZero() async throws {
        try await Platform.with(vars: ["CONTAINER_SLEEP_AFTER": "2s"]) { p in
            #expect(try await p.instances().isEmpty)
            let key = try await p.upload("sample.mp4")
            let first = try await p.submit("video.analyze", key: key)
            let done = try await p.waitForJob(first)
            let pid = try #require(try await p.pid(of: "video-processor-1"))
            try await p.eventually("the instance stops after sleepAfter", timeout: 120) { !Platform.processExists(pid) }
            // onStop reaches the orchestrator as an event of its own, just after the process is gone.
            var scaleDown: JSONValue = .null
            try await p.eventually("the orchestrator recorded the scale-down") {
                let (_, ops) = try await p.get("/api/containers/instances", as: Platform.admin)
                scaleDown = ops["scalingEvents"]?.arrayValue?.first ?? .null
                return scaleDown["action"] == "scale_down"
            }
            // Idle time by the platform's own clock (job end → scale-down), not by when this test
            // happened to look: a loaded machine delays the test, not the sleepAfter timer.
            let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
            let finished = try #require(done["finishedAt"]?.stringValue.flatMap { try? style.parse($0) })
            let stopped = try #require(scaleDown["at"]?.stringValue.flatMap { try? style.parse($0) })
            let idle = stopped.timeIntervalSince(finished)
            print("video-processor stopped \(idle) s after its last job (sleepAfter 2 s)")
            #expect(idle >= 1.9, "the instance lived at least sleepAfter after its last job")
            #expect(try await p.instances().first?["state"]?.stringValue?.hasPrefix("stopped") == true)
            // The next job starts a fresh process.
            let second = try await p.submit("video.analyze", key: key)
            let job = try await p.waitForJob(second)
            #expect(job["status"] == "succeeded")
            let next = try #require(try await p.pid(of: "video-processor-1"))
            #expect(next != pid)
            #expect(try await p.instances().first?["starts"] == 2)
        }
    }

    @Test("with one instance and a backlog, high-priority jobs start before low ones")
    func priorities() async throws {
        try await Platform.with(maxInstances: 1) { p in
            let slow = try await p.upload(try p.makeSlowVideo())
            let key = try await p.upload("sample.mp4")
            // Three slow jobs fill the one instance's three slots.
            var blockers: [String] = []
            for _ in 0..<3 { blockers.append(try await p.submit("video.thumbnail", key: slow, params: ["timestamp": 39.5])) }
            for id in blockers { try await p.waitForJob(id, until: { $0["status"] == "running" }) }
            var low: [String] = [], high: [String] = []
            for _ in 0..<4 {
                low.append(try await p.submit("video.analyze", key: key, priority: "low"))
                high.append(try await p.submit("video.analyze", key: key, priority: "high"))
            }
            let (_, queues) = try await p.get("/api/containers/queues")
            #expect(queues["types"]?["video.analyze"]?["queued"]?["low"] == 4)
            #expect(queues["types"]?["video.analyze"]?["queued"]?["high"] == 4)
            var started: [String: String] = [:]
            for id in low + high + blockers {
                let job = try await p.waitForJob(id)
                #expect(job["status"] == "succeeded")
                started[id] = job["startedAt"]?.stringValue
            }
            let lastHigh = try #require(high.compactMap { started[$0] }.max())
            let firstLow = try #require(low.compactMap { started[$0] }.min())
            #expect(lastHigh <= firstLow, "high-priority jobs started until \(lastHigh), low ones from \(firstLow)")
            #expect(try await p.instances().count == 1)
        }
    }

    @Test("a backlog scales out to more instances up to max_instances, recording why")
    func scaleOut() async throws {
        try await Platform.with(vars: ["CONTAINER_SLEEP_AFTER": "60s"], maxInstances: 2) { p in
            let slow = try await p.upload(try p.makeSlowVideo())
            var ids: [String] = []
            for _ in 0..<7 { ids.append(try await p.submit("video.thumbnail", key: slow, params: ["timestamp": 39.5])) }
            try await p.eventually("two instances run jobs") {
                let busy = try await p.instances().filter { ($0["jobsInFlight"]?.intValue ?? 0) > 0 }
                return busy.count == 2
            }
            let running = try await p.instances().map { $0["jobsInFlight"]?.intValue ?? 0 }
            #expect(running == [3, 3])
            let (_, queues) = try await p.get("/api/containers/queues")
            #expect(queues["types"]?["video.thumbnail"]?["queued"]?["normal"] == 1)
            let (_, ops) = try await p.get("/api/containers/instances", as: Platform.admin)
            let reasons = (ops["scalingEvents"]?.arrayValue ?? []).filter { $0["action"] == "scale_up" }.compactMap { $0["reason"]?.stringValue }
            #expect(reasons.count == 2)
            #expect(reasons.contains { $0.contains("full at 3 jobs each") && $0.contains("video-processor-2") })
            for id in ids { #expect(try await p.waitForJob(id)["status"] == "succeeded") }
        }
    }

    @Test("a container crash mid-job is retried with attempts counted, then dead-lettered with the error")
    func crashRetriesThenDeadLetters() async throws {
        try await Platform.with(vars: ["JOB_RETRY_BASE_SECONDS": "0.2"]) { p in
            let slow = try await p.upload(try p.makeSlowVideo())
            let id = try await p.submit("video.thumbnail", key: slow, params: ["timestamp": 39.5])
            var pids: Set<Int32> = []
            for attempt in 1...3 {
                try await p.waitForJob(id, until: { $0["status"] == "running" && $0["attempts"]?.intValue == attempt && $0["stage"] == "decoding" })
                let pid = try #require(try await p.pid(of: "video-processor-1"))
                pids.insert(pid)
                kill(pid, SIGKILL)
                if attempt < 3 {
                    let retried = try await p.waitForJob(id, until: { $0["status"] == "queued" || ($0["attempts"]?.intValue ?? 0) > attempt })
                    #expect(retried["error"]?["code"]?.stringValue?.hasPrefix("container_") == true, "\(retried)")
                }
            }
            let job = try await p.waitForJob(id)
            #expect(job["status"] == "dead_lettered")
            #expect(job["attempts"] == 3)
            #expect(job["error"]?["code"]?.stringValue?.hasPrefix("container_") == true, "\(job)")
            #expect(job["error"]?["message"]?.stringValue?.contains("3 attempts") == true)
            #expect(pids.count == 3)
            // The dead-letter queue got the job too.
            let counts = try await p.t.waitForQueue("video-jobs-dlq", timeout: 120) { $0.depth >= 1 }
            #expect(counts.depth == 1)
            // And the service works again afterwards.
            let key = try await p.upload("sample.mp4")
            let next = try await p.waitForJob(try await p.submit("video.analyze", key: key))
            #expect(next["status"] == "succeeded")
        }
    }

    @Test("cancel stops a running job's work")
    func cancelRunning() async throws {
        try await Platform.with { p in
            let slow = try await p.upload(try p.makeSlowVideo())
            let id = try await p.submit("video.thumbnail", key: slow, params: ["timestamp": 39.5])
            try await p.waitForJob(id, until: { $0["stage"] == "decoding" })
            let response = await p.t.dispatchFetch("/api/containers/jobs/\(id)", method: .delete, headers: Platform.alice, body: .empty)
            #expect(response.status == .ok)
            #expect(try await response.json()["status"] == "cancelled")
            // The service stops decoding: the job leaves it as failed (cancelled), never succeeded.
            try await p.eventually("the service has no job in flight", timeout: 120) {
                let health = try await p.serviceHealth()
                return health["jobsInFlight"] == 0 && health["jobsFailed"] == 1
            }
            #expect(try await p.serviceHealth()["jobsSucceeded"] == 0)
            let job = try await p.waitForJob(id)
            #expect(job["status"] == "cancelled")
            let again = await p.t.dispatchFetch("/api/containers/jobs/\(id)", method: .delete, headers: Platform.alice, body: .empty)
            #expect(again.status.code == 409)
        }
    }

    @Test("an attempt over its timeout is stopped and, with no attempts left, dead-lettered")
    func timeout() async throws {
        try await Platform.with(vars: ["JOB_TIMEOUT_SECONDS": "0.5", "JOB_MAX_ATTEMPTS": "2", "JOB_RETRY_BASE_SECONDS": "0.1"]) { p in
            let slow = try await p.upload(try p.makeSlowVideo())
            let id = try await p.submit("video.thumbnail", key: slow, params: ["timestamp": 39.5])
            let job = try await p.waitForJob(id)
            #expect(job["status"] == "dead_lettered")
            #expect(job["attempts"] == 2)
            #expect(job["error"]?["code"] == "timeout")
        }
    }

    @Test("a delayed job does not start before its delay")
    func delayed() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let submitted = Date()
            let id = try await p.submit("video.analyze", key: key, extra: ["delaySeconds": 1.5])
            let (_, queued) = try await p.get("/api/containers/jobs/\(id)")
            #expect(queued["status"] == "queued")
            let job = try await p.waitForJob(id)
            #expect(job["status"] == "succeeded")
            #expect(Date().timeIntervalSince(submitted) >= 1.4)
        }
    }

    @Test("a job queued behind delayed jobs runs at once; the delayed ones keep waiting")
    func readyBehindDelayed() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            var delayed: [String] = []
            for _ in 0..<3 { delayed.append(try await p.submit("video.analyze", key: key, extra: ["delaySeconds": 3600])) }
            let id = try await p.submit("video.analyze", key: key)
            let job = try await p.waitForJob(id)
            #expect(job["status"] == "succeeded")
            for id in delayed {
                let (_, waiting) = try await p.get("/api/containers/jobs/\(id)")
                #expect(waiting["status"] == "queued")
                #expect(waiting["attempts"] == 0)
            }
        }
    }

    @Test("a webhook gets the finished job, signed with HMAC-SHA256 of the body, retried after a failure")
    func webhook() async throws {
        try await WebhookReceiver.with(failFirst: true) { receiver in
            try await Platform.with(vars: ["WEBHOOK_SECRET": "s3cret"]) { p in
                let key = try await p.upload("sample.mp4")
                let id = try await p.submit("video.analyze", key: key, extra: ["webhookUrl": .string(receiver.url)])
                try await p.waitForJob(id)
                try await p.eventually("the webhook is delivered", timeout: 120) { !receiver.deliveries.isEmpty }
                let delivery = try #require(receiver.deliveries.first)
                #expect(delivery.event == "job.succeeded")
                #expect(delivery.signature == WebhookSignature.sign(delivery.body, secret: "s3cret"))
                #expect(WebhookSignature.verify(delivery.body, secret: "s3cret", signature: delivery.signature ?? ""))
                #expect(!WebhookSignature.verify(delivery.body, secret: "other", signature: delivery.signature ?? ""))
                let job = try JSONValue.parse(delivery.body)
                #expect(job["id"]?.stringValue == id)
                #expect(job["status"] == "succeeded")
                #expect(receiver.attempts == 2)
                // The scheduler records the delivery once our answer reaches it.
                var deliveries: [JSONValue] = []
                try await p.eventually("the delivery is recorded") {
                    deliveries = try await PlatformBindings.scheduler(p.t.env).call(JobScheduler.self) { try await $0.webhookDeliveries(jobId: id) }
                    return deliveries.first?["status"] == "delivered"
                }
                #expect(deliveries.first?["attempts"] == 2)
            }
        }
    }

    @Test("a webhook the scheduler could not take is handed over after a restart, once")
    func webhookHandOffSurvivesRestart() async throws {
        try await WebhookReceiver.with { receiver in
            let directory = TestRuntime.makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let full = PitcheyRoutesTests.repositoryConfig
            // First run without the SCHEDULER binding: the job runs, but its hand-off fails and stays marked.
            let withoutScheduler = full.replacingOccurrences(of: "[[durable_objects.bindings]]\nname = \"SCHEDULER\"\nclass_name = \"JobScheduler\"\n", with: "")
            try #require(withoutScheduler != full)
            let vars = ["API_KEYS": "alice:user:alice-key, root:admin:admin-key"]
            let id = try await TestRuntime(config: withoutScheduler, script: Pitchey.script, vars: vars, directory: directory).run { t in
                let p = Platform(t: t)
                let key = try await p.upload("sample.mp4")
                let id = try await p.submit("video.analyze", key: key, extra: ["webhookUrl": .string(receiver.url)])
                #expect(try await p.waitForJob(id)["status"] == "succeeded")
                return id
            }
            #expect(receiver.deliveries.isEmpty)
            try await TestRuntime(config: full, script: Pitchey.script, vars: vars, directory: directory).run { t in
                let p = Platform(t: t)
                try await p.eventually("the webhook is delivered after the restart", timeout: 120) { !receiver.deliveries.isEmpty }
                #expect(try JSONValue.parse(receiver.deliveries[0].body)["id"]?.stringValue == id)
                // The mark is cleared: later heartbeats do not hand it over again.
                try await Task.sleep(for: .seconds(2.5))
                #expect(receiver.attempts == 1)
            }
        }
    }
}
