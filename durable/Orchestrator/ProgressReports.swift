import NIOConcurrencyHelpers
import Outpost

/// An attempt's progress on its way to the orchestrator: fire-and-forget, at most one report in
/// flight, and while one is, only the newest waits (progress is advisory; a job never waits for it).
///
/// Reports are thinned to every 5 % of progress and each change of stage (the service sends one
/// line per 1 %).
final class ProgressReports: Sendable {
    private let jobId: String
    private let attempt: Int
    private let env: Env
    private let queue = CoalescingQueue<Int, Report>()
    private let last = NIOLockedValueBox(Report(progress: -1, stage: ""))

    struct Report: Sendable {
        let progress: Double
        let stage: String
    }

    init(jobId: String, attempt: Int, env: Env) {
        self.jobId = jobId
        self.attempt = attempt
        self.env = env
    }

    func report(_ progress: Double, stage: String) {
        let worth = last.withLockedValue { last in
            guard stage != last.stage || progress - last.progress >= 0.05 else { return false }
            last = Report(progress: progress, stage: stage)
            return true
        }
        guard worth, queue.add(0, Report(progress: progress, stage: stage)) else { return }
        let (id, attempt, env, queue) = (jobId, self.attempt, self.env, self.queue)
        Task {
            while let batch = queue.next() {
                guard let report = batch.last else { continue }
                _ = try? await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) {
                    try await $0.attemptProgress(id: id, attempt: attempt, progress: report.progress, stage: report.stage)
                }
            }
        }
    }
}
