import Foundation

/// How often and how patiently a provider's 429s and 5xxs are retried.
///
/// The delay after failed attempt `n` (1-based) is `baseDelay · 2^(n-1)`, at most `maxDelay` —
/// the runtime's `Backoff` formula, written here because this library does not link the runtime.
/// A `Retry-After` (or OpenAI's `retry-after-ms`) from the provider replaces it, capped at
/// `maxRetryAfter` so a job never sleeps for minutes.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Seconds after the first failure.
    public var baseDelay: Double
    /// Seconds the computed delay never exceeds.
    public var maxDelay: Double
    /// Seconds a provider's `Retry-After` is honoured up to.
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 8, maxRetryAfter: Double = 30) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Seconds to wait after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxRetryAfter) }
        return min(maxDelay, baseDelay * pow(2, Double(min(max(attempt - 1, 0), 30))))
    }

    /// The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date.
    /// - Parameter headers: response headers with lowercased names.
    static func retryAfter(in headers: [String: String], now: Date = Date()) -> Double? {
        if let text = headers["retry-after-ms"], let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)) {
            return milliseconds / 1000
        }
        guard let text = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { max(0, $0.timeIntervalSince(now)) }
    }
}
