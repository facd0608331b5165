/// Where one message is in its life: ready → leased → acknowledged / delayed again / dead-lettered.
///
/// A plain value with the transition rules; `QueueStore` keeps the same states in its rows
/// (`lease_expires`, `visible_at`) and applies the `MessageSettlement` this computes.
public enum MessageLifecycle: Sendable, Hashable {
    /// Waiting for its delay (or retry delay) until the given time (ms).
    case delayed(until: Int64)
    case ready
    /// Delivered to a consumer: attempt `attempt`, lease running until `until` (ms).
    case leased(until: Int64, attempt: Int)
    case acknowledged
    /// Moved to the named dead-letter queue, with the same id.
    case deadLettered(queue: String)
    /// Out of retries with no dead-letter queue.
    case dropped

    /// What the consumer configuration says about retries.
    public struct RetryPolicy: Sendable, Hashable {
        public var maxRetries: Int
        /// Seconds, for retries that name no delay of their own.
        public var retryDelay: Int
        public var deadLetterQueue: String?

        public init(maxRetries: Int = 3, retryDelay: Int = 0, deadLetterQueue: String? = nil) {
            self.maxRetries = maxRetries
            self.retryDelay = retryDelay
            self.deadLetterQueue = deadLetterQueue
        }

        init(_ config: QueueConsumerConfig) {
            self.init(maxRetries: config.maxRetries, retryDelay: config.retryDelay, deadLetterQueue: config.deadLetterQueue)
        }
    }

    public enum TransitionError: Error, Hashable {
        case notLeased
        case notReady
    }

    /// Time passing: a delayed message whose time has come is ready; an expired lease is ready again.
    public mutating func tick(now: Int64) {
        switch self {
        case .delayed(let until) where until <= now: self = .ready
        case .leased(let until, _) where until <= now: self = .ready
        default: break
        }
    }

    /// Hands a ready message to a consumer as attempt `attempt`.
    public mutating func lease(attempt: Int, until: Int64) throws {
        guard case .ready = self else { throw TransitionError.notReady }
        self = .leased(until: until, attempt: attempt)
    }

    /// Applies what the consumer decided for a leased message.
    @discardableResult
    public mutating func settle(_ action: MessageAction, policy: RetryPolicy, now: Int64) throws -> MessageSettlement {
        guard case .leased(_, let attempt) = self else { throw TransitionError.notLeased }
        let settlement = Self.settlement(for: action, attempts: attempt, policy: policy, now: now)
        switch settlement {
        case .acknowledged: self = .acknowledged
        case .retryAt(let t): self = t <= now ? .ready : .delayed(until: t)
        case .deadLetter(let q): self = .deadLettered(queue: q)
        case .drop: self = .dropped
        }
        return settlement
    }

    /// The storage change for `action` on a message delivered `attempts` times.
    /// `max_retries` counts retries, so a message is delivered at most `maxRetries + 1` times.
    public static func settlement(for action: MessageAction, attempts: Int, policy: RetryPolicy, now: Int64) -> MessageSettlement {
        switch action {
        case .ack:
            return .acknowledged
        case .retry(let delay):
            if attempts > policy.maxRetries {
                return policy.deadLetterQueue.map(MessageSettlement.deadLetter) ?? .drop
            }
            return .retryAt(now + Int64(delay ?? policy.retryDelay) * 1000)
        }
    }
}

/// The storage change that ends one delivery of a message.
public enum MessageSettlement: Sendable, Hashable {
    case acknowledged
    /// Ready again at this time (ms).
    case retryAt(Int64)
    case deadLetter(String)
    case drop
}
