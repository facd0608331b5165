public import Outpost

/// The platform's knobs, read from `[vars]` (and `--var`), each with its default.
///
/// | var | meaning | default |
/// |---|---|---|
/// | `CONTAINER_SLEEP_AFTER` | overrides every service class's `sleepAfter` ("30s", "5m", seconds) | per class (video: 5m) |
/// | `JOB_MAX_ATTEMPTS` | attempts before a failing job is dead-lettered | per type (3) |
/// | `JOB_TIMEOUT_SECONDS` | overrides every type's attempt timeout | per type |
/// | `JOB_RETRY_BASE_SECONDS` | first retry delay; doubles each attempt, at most 5 minutes | 2 |
/// | `WEBHOOK_SECRET` | HMAC key of `X-Outpost-Signature` (a secret) | unsigned |
/// | `WEBHOOK_MAX_ATTEMPTS` | deliveries tried before a webhook is given up | 6 |
public struct PlatformSettings: Sendable, Equatable {
    public var sleepAfterOverride: String?
    public var maxAttemptsOverride: Int?
    public var timeoutOverride: Double?
    public var retryBaseSeconds: Double
    public var webhookSecret: String?
    public var webhookMaxAttempts: Int

    public init(env: Env) {
        sleepAfterOverride = env["CONTAINER_SLEEP_AFTER"].flatMap { $0.isEmpty ? nil : $0 }
        maxAttemptsOverride = env["JOB_MAX_ATTEMPTS"].flatMap(Int.init).map { max(1, $0) }
        timeoutOverride = env["JOB_TIMEOUT_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        retryBaseSeconds = env["JOB_RETRY_BASE_SECONDS"].flatMap(Double.init).map { max(0, $0) } ?? 2
        webhookSecret = env["WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        webhookMaxAttempts = env["WEBHOOK_MAX_ATTEMPTS"].flatMap(Int.init).map { max(1, $0) } ?? 6
    }

    func maxAttempts(_ type: JobType) -> Int { maxAttemptsOverride ?? type.maxAttempts }
    func timeout(_ type: JobType) -> Double { timeoutOverride ?? type.timeoutSeconds }

    /// Between a failed attempt and the next: base · 2^(attempt-1), at most 5 minutes.
    var retryBackoff: Backoff { Backoff(base: retryBaseSeconds, cap: 300) }

    func retryDelay(afterAttempt attempt: Int) -> Double { retryBackoff.delay(afterAttempt: attempt) }
}
