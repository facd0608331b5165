/// Tuning of the Durable Objects runtime. Defaults follow Cloudflare; tests shorten them.
public struct DurableObjectOptions: Sendable {
    /// An object with no event for this long is evicted: dropped from memory, SQLite file closed.
    public var idleTimeout: Duration
    /// `blockConcurrencyWhile` running longer than this resets the object.
    public var blockConcurrencyTimeout: Duration
    /// First retry delay of a throwing alarm, in seconds; retry n waits `base * 2^n` (2 s, 4 s, 8 s…).
    public var alarmRetryBaseDelay: Double
    /// Retries of a throwing alarm before it is dropped.
    public var alarmMaxRetries: Int
    /// How often the scheduler looks for due alarms and idle objects.
    public var schedulerInterval: Duration
    /// Threads that run fsyncs (several in flight let the filesystem journal batch them).
    public var syncThreads: Int

    public init(
        idleTimeout: Duration = .seconds(70),
        blockConcurrencyTimeout: Duration = .seconds(30),
        alarmRetryBaseDelay: Double = 2,
        alarmMaxRetries: Int = 6,
        schedulerInterval: Duration = .milliseconds(100),
        syncThreads: Int = 16
    ) {
        self.idleTimeout = idleTimeout
        self.blockConcurrencyTimeout = blockConcurrencyTimeout
        self.alarmRetryBaseDelay = alarmRetryBaseDelay
        self.alarmMaxRetries = alarmMaxRetries
        self.schedulerInterval = schedulerInterval
        self.syncThreads = syncThreads
    }

    /// The backoff of a throwing alarm: `alarmRetryBaseDelay` doubling per attempt, at most 2^30 times it.
    public var alarmRetryBackoff: Backoff {
        Backoff(base: alarmRetryBaseDelay, cap: alarmRetryBaseDelay * Double(1 << 30))
    }

    /// Seconds before retry number `retryCount + 1` of a throwing alarm (`retryCount` is 0-based).
    public func alarmRetryDelay(afterAttempt retryCount: Int) -> Double {
        alarmRetryBackoff.delay(afterAttempt: retryCount + 1)
    }

    /// `alarmRetryDelay(afterAttempt:)` in whole milliseconds.
    func alarmRetryMilliseconds(afterAttempt retryCount: Int) -> Int64 {
        alarmRetryBackoff.milliseconds(afterAttempt: retryCount + 1)
    }
}
