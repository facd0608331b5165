import Foundation

/// A queue producer binding (`env.queue("NAME")`), as `env.MY_QUEUE` in Workers.
///
/// `send` and `sendBatch` return once the messages are committed (fsync) to `queues.sqlite`:
/// a message acknowledged to a producer survives a crash.
public struct Queue: Sendable {
    /// The queue's name (`[[queues.producers]] queue`).
    public let name: String
    let store: QueueStore
    /// `delivery_delay` from the producer binding: the default `delaySeconds`.
    let deliveryDelay: Int?

    /// Sends one message and returns its id.
    /// - Parameters:
    ///   - body: any `Encodable` for `.json`/`.v8`; a `String` for `.text`; `[UInt8]`, `Data` or `ByteBuffer` for `.bytes`.
    ///   - delaySeconds: 0…43200; defaults to the binding's `delivery_delay`.
    @discardableResult
    public func send(_ body: some Encodable & Sendable, contentType: QueueContentType = .json, delaySeconds: Int? = nil) async throws -> String {
        let encoded = try contentType.encode(body)
        guard encoded.count <= QueueLimits.maxMessageBytes else { throw QueueError.messageTooLarge(encoded.count) }
        let delay = try Self.validate(delay: delaySeconds ?? deliveryDelay ?? 0)
        let message = QueueStore.NewMessage(id: Self.newID(), body: encoded, contentType: contentType.stored, delaySeconds: delay)
        try await store.insert([message], into: name)
        return message.id
    }

    /// Sends up to 100 messages (256 KB in all) in one durable write and returns their ids.
    /// A message's own `delaySeconds` beats the batch's.
    @discardableResult
    public func sendBatch(_ messages: [MessageSendRequest], delaySeconds: Int? = nil) async throws -> [String] {
        guard messages.count <= QueueLimits.maxBatchMessages else { throw QueueError.batchTooManyMessages(messages.count) }
        var total = 0
        var out: [QueueStore.NewMessage] = []
        out.reserveCapacity(messages.count)
        for m in messages {
            let encoded = try m.contentType.encode(m.body)
            guard encoded.count <= QueueLimits.maxMessageBytes else { throw QueueError.batchMessageTooLarge(encoded.count) }
            total += encoded.count
            let delay = try Self.validate(delay: m.delaySeconds ?? delaySeconds ?? deliveryDelay ?? 0)
            out.append(.init(id: Self.newID(), body: encoded, contentType: m.contentType.stored, delaySeconds: delay))
        }
        guard total <= QueueLimits.maxBatchBytes else { throw QueueError.batchTooLarge(total) }
        guard !out.isEmpty else { return [] }
        try await store.insert(out, into: name)
        return out.map(\.id)
    }

    static func validate(delay: Int) throws -> Int {
        guard (0...QueueLimits.maxDelaySeconds).contains(delay) else { throw QueueError.invalidDelay(delay) }
        return delay
    }

    /// 32 lowercase hex digits, like Cloudflare's message ids.
    static func newID() -> String {
        UUID.random().lowercaseHex
    }
}
