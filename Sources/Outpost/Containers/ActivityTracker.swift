/// In-flight requests and the sleepAfter deadline of one instance, as a plain value.
///
/// Each request start, each WebSocket message, and the moment in-flight requests drop to zero
/// renew the deadline. The instance may sleep only when nothing is in flight and the deadline passed.
public struct ActivityTracker: Sendable, Hashable {
    public let sleepAfter: Duration
    public private(set) var inFlight: Int = 0
    public private(set) var deadline: ContinuousClock.Instant
    public private(set) var lastActivity: ContinuousClock.Instant

    public init(sleepAfter: Duration, now: ContinuousClock.Instant) {
        self.sleepAfter = sleepAfter
        self.deadline = now + sleepAfter
        self.lastActivity = now
    }

    /// A request starts.
    public mutating func begin(now: ContinuousClock.Instant) {
        inFlight += 1
        renew(now)
    }

    /// A request ends (finished, failed or abandoned); the last one out renews the deadline.
    public mutating func end(now: ContinuousClock.Instant) {
        precondition(inFlight > 0, "ActivityTracker.end without a matching begin")
        inFlight -= 1
        if inFlight == 0 { renew(now) }
    }

    /// Activity that is not a request (a WebSocket message).
    public mutating func touch(now: ContinuousClock.Instant) { renew(now) }

    /// True when the instance may be put to sleep.
    public func isExpired(now: ContinuousClock.Instant) -> Bool { inFlight == 0 && now >= deadline }

    /// Time left before expiry; nil while something is in flight.
    public func remaining(now: ContinuousClock.Instant) -> Duration? {
        guard inFlight == 0 else { return nil }
        return now >= deadline ? .zero : deadline - now
    }

    private mutating func renew(_ now: ContinuousClock.Instant) {
        lastActivity = now
        deadline = now + sleepAfter
    }
}
