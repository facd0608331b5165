import Outpost

/// An attempt's progress on its way to the orchestrator: advisory, so a job never waits for it.
/// At most one report is in flight, and while one is, only the newest waits. Reports are thinned
/// to every 5 % of progress and each change of stage (the service sends one line per 1 %).
struct ProgressReports: Sendable {
    private let jobId: String
    private let attempt: Int
    private let env: Env
    private let reports: AsyncStream<Report>
    private let continuation: AsyncStream<Report>.Continuation

    struct Report: Sendable {
        let progress: Double
        let stage: String
        /// The output so far, for an operation that streams text.
        var text: String? = nil
    }

    init(jobId: String, attempt: Int, env: Env) {
        self.jobId = jobId
        self.attempt = attempt
        self.env = env
        (reports, continuation) = AsyncStream.makeStream(of: Report.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The last report sent. Only `report` touches it, called from the runner's one stream-reading task.
    final class Thinning: @unchecked Sendable {
        var last = Report(progress: -1, stage: "")
    }
    private let thinning = Thinning()

    /// Called by the runner's stream reader, one line at a time.
    /// Thinned to a change of stage, 5 % more progress, or more text: what is delivered while an
    /// earlier report is still on its way is replaced by the newest.
    func report(_ report: Report) {
        let last = thinning.last
        guard report.stage != last.stage || report.progress - last.progress >= 0.05 || report.text != last.text else { return }
        thinning.last = report
        continuation.yield(report)
    }

    /// Sends reports until `finish()`.
    func deliver() async {
        let (id, attempt, env) = (jobId, self.attempt, self.env)
        for await report in reports {
            _ = try? await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) {
                try await $0.attemptProgress(id: id, attempt: attempt, progress: report.progress, stage: report.stage, text: report.text)
            }
        }
    }

    func finish() { continuation.finish() }
}
