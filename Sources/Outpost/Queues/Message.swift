public import Foundation
import NIOConcurrencyHelpers

/// One delivered message, as `message` in a Workers `queue()` handler.
public struct Message: Sendable {
    /// The id given at send time; a dead-lettered message keeps it.
    public let id: String
    /// When it was sent.
    public let timestamp: Date
    /// The body, decoded per the content type it was sent with.
    public let body: MessageBody
    /// Deliveries so far, this one included: 1 on first delivery.
    public let attempts: Int
    let index: Int
    let outcome: NIOLockedValueBox<BatchOutcome>

    /// Acknowledges this message: it will not be delivered again, even if the handler throws.
    public func ack() {
        outcome.withLockedValue { _ = $0.record(.ack, forMessage: index) }
    }

    /// Delivers this message again after `delaySeconds` (default: the consumer's `retry_delay`).
    public func retry(delaySeconds: Int? = nil) {
        outcome.withLockedValue { _ = $0.record(.retry(delaySeconds: delaySeconds), forMessage: index) }
    }

    /// The body decoded from JSON into `T`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        switch body {
        case .json(let v): return try JSONCoding.decoder.decode(T.self, from: JSONCoding.encoder.encode(v))
        case .text(let s): return try JSONCoding.decoder.decode(T.self, from: Data(s.utf8))
        case .bytes(let b): return try JSONCoding.decoder.decode(T.self, from: Data(b))
        }
    }
}
