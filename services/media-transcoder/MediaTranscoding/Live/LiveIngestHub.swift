import Foundation

/// The live streams running in this service, by job id: the job opens its ``LiveIngest`` here
/// and the ingest route finds it. A publisher may connect a moment before its job has started
/// (the platform answers the ingest URL at once), so ``ingest(job:waiting:)`` waits a little.
// @unchecked Sendable: `streams` is guarded by `lock`.
public final class LiveIngestHub: @unchecked Sendable {
    private let lock = NSLock()
    private var streams: [String: LiveIngest] = [:]

    public init() {}

    /// Registers the ingest of a job that starts now.
    public func open(job: String, stallSeconds: Double, waitSeconds: Double) -> LiveIngest {
        let ingest = LiveIngest(stallSeconds: stallSeconds, waitSeconds: waitSeconds)
        lock.withLock { streams[job] = ingest }
        return ingest
    }

    /// Lets go of a job's ingest once its transcode has ended.
    public func close(job: String) {
        lock.withLock { _ = streams.removeValue(forKey: job) }
    }

    /// The job's ingest, waiting up to `waiting` for the job to start; nil if it does not.
    public func ingest(job: String, waiting: Duration = .seconds(5)) async -> LiveIngest? {
        let deadline = ContinuousClock.now + waiting
        while true {
            if let found = lock.withLock({ streams[job] }) { return found }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
