/// Exponential backoff, the one formula every retry in Outpost uses: Durable Object alarms, job
/// retries, webhook deliveries and report retries.
///
/// The delay after failed attempt `n` (1-based) is `base · factor^(n-1)`, at most `cap`.
public struct Backoff: Sendable, Equatable {
    /// Seconds after the first failure.
    public var base: Double
    /// Seconds the delay never exceeds.
    public var cap: Double
    public var factor: Double

    public init(base: Double, cap: Double, factor: Double = 2) {
        self.base = base
        self.cap = cap
        self.factor = factor
    }

    /// Seconds to wait after attempt `attempt` (1-based) failed; attempts below 1 count as 1.
    public func delay(afterAttempt attempt: Int) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 62))
        return min(cap, base * pow(factor, exponent))
    }

    /// `delay(afterAttempt:)` in whole milliseconds.
    public func milliseconds(afterAttempt attempt: Int) -> Int64 {
        Int64((delay(afterAttempt: attempt) * 1000).rounded())
    }
}

#if canImport(Glibc)
import func Glibc.pow
#elseif canImport(Darwin)
import func Darwin.pow
#endif
