import Foundation
import NIOConcurrencyHelpers
import Outpost

/// A token bucket per caller: `RATE_LIMIT_PER_MINUTE` tokens refill per minute, up to
/// `RATE_LIMIT_BURST` at once. An empty bucket is a 429 with `Retry-After`.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    /// Takes one token for `caller` at `now`; returns nil when allowed, or the seconds to wait.
    func take(caller: String, perMinute: Double, burst: Double, now: Double) -> Int? {
        buckets.withLockedValue { buckets in
            var bucket = buckets[caller] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * perMinute / 60)
            bucket.updated = now
            defer { buckets[caller] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up)))
        }
    }
}

/// 429 with how long to wait.
struct RateLimited: HTTPError {
    let retryAfter: Int
    var status: Int { 429 }
    var code: String { "rate_limited" }
    var message: String { "Too many requests; retry after \(retryAfter) s." }
}
