/// What can happen to a job.
public enum JobEvent: Sendable, Equatable, CaseIterable {
    /// An instance took it.
    case dispatch
    /// Its attempt returned a result.
    case succeed
    /// Its attempt failed with a fault worth another try (crash, lost connection, 5xx).
    case failRetryable
    /// Its attempt failed because of its input (4xx): trying again would fail the same way.
    case failPermanent
    /// Its attempt ran past its type's timeout (a retryable fault).
    case timeout
    /// The caller cancelled it.
    case cancel
    /// The process restarted while it ran: it goes back to the queue, and the attempt does not count.
    case interrupt
    /// No service runs its type (its class is not configured, or its type is gone).
    case unroutable
}

/// Every legal change of a job's status, in one place, as a plain value.
///
/// ```
/// queued ──dispatch──▶ running ──succeed──▶ succeeded
///   │  ▲                 │ ├─failRetryable/timeout─▶ queued (attempts left) or dead_lettered
///   │  └───interrupt─────┘ ├─failPermanent─▶ failed
///   ├─unroutable─▶ failed  └─cancel─▶ cancelled
///   └─cancel─▶ cancelled
/// ```
/// Terminal statuses never change. The orchestrator asks `next` before it writes anything.
public enum JobLifecycle {
    /// The status after `event`, or nil when the event is not legal in `status`. `attempts` is
    /// the number of the attempt that just ended (for the retry decision).
    public static func next(_ status: JobStatus, _ event: JobEvent, attempts: Int, maxAttempts: Int) -> JobStatus? {
        switch (status, event) {
        case (.queued, .dispatch): .running
        case (.queued, .cancel), (.running, .cancel): .cancelled
        case (.queued, .unroutable): .failed
        case (.running, .succeed): .succeeded
        case (.running, .failPermanent): .failed
        case (.running, .failRetryable), (.running, .timeout): attempts < maxAttempts ? .queued : .deadLettered
        case (.running, .interrupt): .queued
        default: nil
        }
    }
}
