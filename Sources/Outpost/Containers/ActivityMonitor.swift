import NIOConcurrencyHelpers

/// The shared `ActivityTracker` of one running instance.
///
/// A lock, not an actor: a token released from a deinit (a client that went away) must update the
/// count synchronously, so there is never a window where an abandoned request still pins the
/// instance or a finished one is counted twice.
public final class ActivityMonitor: Sendable {
    private let tracker: NIOLockedValueBox<ActivityTracker>

    public init(sleepAfter: SleepAfter) {
        tracker = NIOLockedValueBox(ActivityTracker(sleepAfter: sleepAfter.duration, now: .now))
    }

    /// Counts a request in flight until the returned token is released (or dropped).
    public func begin() -> ActivityToken {
        tracker.withLockedValue { $0.begin(now: .now) }
        return ActivityToken { [tracker] in tracker.withLockedValue { $0.end(now: .now) } }
    }

    /// Renews the deadline (each WebSocket message).
    public func touch() { tracker.withLockedValue { $0.touch(now: .now) } }

    public var snapshot: ActivityTracker { tracker.withLockedValue { $0 } }

    public var isExpired: Bool { tracker.withLockedValue { $0.isExpired(now: .now) } }
}
