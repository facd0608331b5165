import Foundation
import NIOConcurrencyHelpers

/// Counters and in-flight jobs for `/health`, shared by every request.
final class ServiceStats: Sendable {
    struct InFlightJob: Sendable, Codable {
        var id: String
        var operation: String
        var startedAt: Date
        var progress: Double
        var stage: String
    }

    struct Snapshot: Sendable, Codable {
        var status: String
        var service: String
        var uptimeSeconds: Double
        var maxConcurrentJobs: Int
        var jobsInFlight: Int
        var jobsSucceeded: Int
        var jobsFailed: Int
        var jobs: [InFlightJob]
        /// The scratch directory's bytes at the last measurement, and the most measured since
        /// the service started (``ScratchMeter``); absent when not measured.
        var scratchBytes: Int64?
        var scratchPeakBytes: Int64?
    }

    private struct State {
        var inFlight: [String: InFlightJob] = [:]
        var succeeded = 0
        var failed = 0
    }

    private let state = NIOLockedValueBox(State())
    private let started = Date()
    let service: String
    let maxConcurrentJobs: Int
    /// Measures the scratch directory while jobs run.
    let scratch: ScratchMeter?

    init(service: String, maxConcurrentJobs: Int, scratchDirectory: String? = nil) {
        self.service = service
        self.maxConcurrentJobs = maxConcurrentJobs
        scratch = scratchDirectory.map(ScratchMeter.init(directory:))
    }

    func begin(id: String, operation: String) {
        state.withLockedValue { $0.inFlight[id] = InFlightJob(id: id, operation: operation, startedAt: Date(), progress: 0, stage: "queued") }
    }

    func progress(id: String, _ report: JobProgress) {
        state.withLockedValue {
            $0.inFlight[id]?.progress = report.progress
            $0.inFlight[id]?.stage = report.stage
        }
    }

    func end(id: String, succeeded: Bool) {
        state.withLockedValue {
            $0.inFlight[id] = nil
            if succeeded { $0.succeeded += 1 } else { $0.failed += 1 }
        }
    }

    func snapshot() -> Snapshot {
        let scratch = scratch?.reading
        return state.withLockedValue {
            Snapshot(
                status: "ok", service: service, uptimeSeconds: Date().timeIntervalSince(started),
                maxConcurrentJobs: maxConcurrentJobs, jobsInFlight: $0.inFlight.count,
                jobsSucceeded: $0.succeeded, jobsFailed: $0.failed,
                jobs: $0.inFlight.values.sorted { $0.startedAt < $1.startedAt },
                scratchBytes: scratch?.current, scratchPeakBytes: scratch?.peak
            )
        }
    }
}
