import NIOConcurrencyHelpers
import Foundation

/// A batch of messages for a `queue()` handler, as `batch` in Workers.
public struct MessageBatch: Sendable {
    /// The name of the queue the messages came from.
    public let queue: String
    public let messages: [Message]
    let outcome: NIOLockedValueBox<BatchOutcome>

    init(queue: String, delivered: [QueuedMessage]) {
        let outcome = NIOLockedValueBox(BatchOutcome(count: delivered.count))
        self.queue = queue
        self.outcome = outcome
        self.messages = delivered.enumerated().map { index, m in
            Message(
                id: m.id, timestamp: .init(timeIntervalSince1970: Double(m.timestamp) / 1000),
                body: MessageBody(stored: m.body, contentType: m.contentType), attempts: m.attempts,
                index: index, outcome: outcome
            )
        }
    }

    /// Acknowledges every message that has no call of its own.
    public func ackAll() {
        outcome.withLockedValue { _ = $0.recordAll(.ack) }
    }

    /// Retries every message that has no call of its own, after `delaySeconds` (default: `retry_delay`).
    public func retryAll(delaySeconds: Int? = nil) {
        outcome.withLockedValue { _ = $0.recordAll(.retry(delaySeconds: delaySeconds)) }
    }

    /// The calls made so far.
    public var currentOutcome: BatchOutcome { outcome.withLockedValue { $0 } }
}
