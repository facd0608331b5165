import NIOConcurrencyHelpers
import Outpost

/// Keeps the job metrics (`PlatformMetricFamilies`) in step with the orchestrator's jobs: it is
/// told every job state once it is durable, and keeps the queued and running gauges as absolute
/// counts of the unfinished jobs it knows, so a fresh activation (after an eviction or a restart)
/// sets them right from the job table instead of adding to the old values.
final class JobMetrics: Sendable {
    private struct Tracked: Hashable {
        var type: String
        var priority: JobPriority
        var status: JobStatus
    }

    private struct State {
        var unfinished: [String: Tracked] = [:]
        var queued: [String: [JobPriority: Int]] = [:]
        var running: [String: Int] = [:]
    }

    private let metrics: Metrics
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - types: every job type, so each gauge starts at its true value (zero included).
    ///   - unfinished: the queued and running jobs in the table now.
    init(metrics: Metrics, types: [String], unfinished: [JobRecord]) {
        self.metrics = metrics
        state.withLockedValue { s in
            for type in types {
                s.running[type] = 0
                for p in JobPriority.allCases { s.queued[type, default: [:]][p] = 0 }
            }
            for job in unfinished { Self.count(&s, Tracked(type: job.type, priority: job.priority, status: job.status), by: 1) }
            for (type, byPriority) in s.queued {
                for (p, n) in byPriority { metrics.set(PlatformMetricFamilies.jobsQueued, type, p.rawValue, to: Double(n)) }
            }
            for (type, n) in s.running { metrics.set(PlatformMetricFamilies.jobsRunning, type, to: Double(n)) }
            s.unfinished = Dictionary(unfinished.map { ($0.id, Tracked(type: $0.type, priority: $0.priority, status: $0.status)) }) { $1 }
        }
    }

    /// Records `job`'s new state (call once it is durable).
    func record(_ job: JobRecord) {
        typealias F = PlatformMetricFamilies
        let now = Tracked(type: job.type, priority: job.priority, status: job.status)
        let before: Tracked? = state.withLockedValue { s in
            let before = s.unfinished[job.id]
            guard before != now else { return before }
            if let before { Self.count(&s, before, by: -1) }
            if job.status.isTerminal { s.unfinished[job.id] = nil } else { s.unfinished[job.id] = now; Self.count(&s, now, by: 1) }
            for t in Set([before, now].compactMap { $0 }) {
                metrics.set(F.jobsQueued, t.type, t.priority.rawValue, to: Double(s.queued[t.type]?[t.priority] ?? 0))
                metrics.set(F.jobsRunning, t.type, to: Double(s.running[t.type] ?? 0))
            }
            return before
        }
        guard before?.status != job.status else { return }
        switch job.status {
        case .queued where before == nil:
            metrics.increment(F.jobsSubmitted, job.type)
        case .running:
            // This attempt started just now (`started_at` keeps the first attempt's start).
            metrics.observe(F.jobQueueWait, job.type, duration: .milliseconds(max(0, PlatformTime.now() - job.notBefore)))
        case .succeeded, .failed, .cancelled, .deadLettered:
            metrics.increment(F.jobsCompleted, job.type, job.status.rawValue)
            if let started = job.startedAt, let finished = job.finishedAt {
                metrics.observe(F.jobDuration, job.type, duration: .milliseconds(max(0, finished - started)))
            }
        case .queued:
            break
        }
    }

    private static func count(_ s: inout State, _ t: Tracked, by delta: Int) {
        switch t.status {
        case .queued: s.queued[t.type, default: [:]][t.priority, default: 0] += delta
        case .running: s.running[t.type, default: 0] += delta
        default: break
        }
    }
}
