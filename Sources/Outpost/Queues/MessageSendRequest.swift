/// One message of `Queue.sendBatch`.
public struct MessageSendRequest: Sendable {
    public var body: any Encodable & Sendable
    public var contentType: QueueContentType
    /// Overrides the batch's `delaySeconds` for this message.
    public var delaySeconds: Int?

    public init(body: some Encodable & Sendable, contentType: QueueContentType = .json, delaySeconds: Int? = nil) {
        self.body = body
        self.contentType = contentType
        self.delaySeconds = delaySeconds
    }
}
