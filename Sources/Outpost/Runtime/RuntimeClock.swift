import Foundation
import NIOConcurrencyHelpers

/// The runtime's wall clock. Tests move it forward to reach expirations and alarms without waiting.
public final class RuntimeClock: Sendable {
    private let offset = NIOLockedValueBox<Double>(0)
    private let observers = NIOLockedValueBox<[@Sendable () -> Void]>([])

    public init() {}

    /// Seconds since the epoch, including any offset a test added.
    public func now() -> Double {
        Date().timeIntervalSince1970 + offset.withLockedValue { $0 }
    }

    /// Milliseconds since the epoch.
    public func nowMilliseconds() -> Int64 { Int64((now() * 1000).rounded(.down)) }

    /// Moves this clock forward by `seconds` (tests only).
    public func advance(by seconds: Double) {
        offset.withLockedValue { $0 += seconds }
        for observer in observers.withLockedValue({ $0 }) { observer() }
    }

    /// Calls `observer` after every `advance`, so loops sleeping until a clock time (queue
    /// dispatchers, cron) re-check at once instead of sleeping out the old duration.
    public func onAdvance(_ observer: @escaping @Sendable () -> Void) {
        observers.withLockedValue { $0.append(observer) }
    }
}
