/// Something the scheduler does for a job at a time: release a delayed or backed-off job to the
/// queue, or stop an attempt that ran past its timeout.
public struct JobTimer: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The job may start (a delay or a retry backoff is over).
        case release
        /// Attempt `attempt` is over its time.
        case timeout
    }

    public var kind: Kind
    public var jobId: String
    public var attempt: Int
    /// Milliseconds since the epoch.
    public var dueAt: Int64

    public init(kind: Kind, jobId: String, attempt: Int = 0, dueAt: Int64) {
        self.kind = kind
        self.jobId = jobId
        self.attempt = attempt
        self.dueAt = dueAt
    }

    /// One timer of each kind per job.
    var key: String { Self.key(kind, jobId) }

    static func key(_ kind: Kind, _ jobId: String) -> String { kind.rawValue + ":" + jobId }

    /// A registration or a cancellation, as the orchestrator sends them in batches.
    public enum Change: Sendable, Equatable {
        case set(JobTimer)
        /// Removes the job's timer of this kind (an attempt ended before its timeout).
        case cancel(Kind, jobId: String)

        var key: String {
            switch self {
            case .set(let timer): timer.key
            case .cancel(let kind, let jobId): JobTimer.key(kind, jobId)
            }
        }
    }
}
