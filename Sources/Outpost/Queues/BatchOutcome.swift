/// What a consumer asked for one message: acknowledge it, or deliver it again later.
public enum MessageAction: Sendable, Hashable {
    case ack
    /// Deliver again after `delaySeconds`, or after the consumer's `retry_delay` when nil.
    case retry(delaySeconds: Int?)
}

/// The calls a handler made on one batch, as a plain value.
///
/// The first call on a message wins; a per-message call beats a batch-wide one whichever came
/// first; if the handler throws, every message not explicitly acked is retried.
public struct BatchOutcome: Sendable, Hashable {
    public private(set) var explicit: [MessageAction?]
    public private(set) var batchWide: MessageAction?

    public init(count: Int) {
        explicit = Array(repeating: nil, count: count)
    }

    /// Records `message.ack()` / `message.retry()`; false when an earlier call on it already won.
    @discardableResult
    public mutating func record(_ action: MessageAction, forMessage index: Int) -> Bool {
        guard explicit[index] == nil else { return false }
        explicit[index] = action
        return true
    }

    /// Records `batch.ackAll()` / `batch.retryAll()`; false when an earlier batch-wide call won.
    @discardableResult
    public mutating func recordAll(_ action: MessageAction) -> Bool {
        guard batchWide == nil else { return false }
        batchWide = action
        return true
    }

    /// The action per message once the handler has returned (or thrown).
    public func resolved(handlerThrew: Bool) -> [MessageAction] {
        explicit.map { action in
            switch (action, handlerThrew) {
            // Explicit calls stand even when the handler throws: an ack survives, a retry keeps its delay.
            case (.some(let a), _): a
            case (nil, true): .retry(delaySeconds: nil)
            // A handler that returns without a word on a message acknowledges it.
            case (nil, false): batchWide ?? .ack
            }
        }
    }
}
