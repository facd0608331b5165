import NIOConcurrencyHelpers

/// Set when a job's client goes away (its progress stream can no longer be written), so the
/// job's work can stop early instead of running to the end for nobody.
public final class JobCancellation: Sendable {
    private let cancelled = NIOLockedValueBox(false)

    public init() {}

    public var isCancelled: Bool { cancelled.withLockedValue { $0 } }

    public func cancel() { cancelled.withLockedValue { $0 = true } }
}
