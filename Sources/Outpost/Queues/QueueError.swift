/// A queue operation refused, with Cloudflare's message.
public struct QueueError: HTTPError {
    public let status: Int
    public let message: String
    public var code: String { "queue_error" }

    static func messageTooLarge(_ length: Int) -> QueueError {
        QueueError(status: 413, message: "message length of \(length) bytes exceeds limit of \(QueueLimits.maxMessageBytes)")
    }
    static func batchMessageTooLarge(_ length: Int) -> QueueError {
        QueueError(status: 413, message: "message in batch has length \(length) bytes which exceeds single message size limit of \(QueueLimits.maxMessageBytes)")
    }
    static func batchTooManyMessages(_ count: Int) -> QueueError {
        QueueError(status: 413, message: "batch message count of \(count) exceeds limit of \(QueueLimits.maxBatchMessages)")
    }
    static func batchTooLarge(_ bytes: Int) -> QueueError {
        QueueError(status: 413, message: "batch size of \(bytes) bytes exceeds limit of \(QueueLimits.maxBatchBytes)")
    }
    static func invalidDelay(_ seconds: Int) -> QueueError {
        QueueError(status: 400, message: "message delay of \(seconds) seconds is invalid; delaySeconds must be between 0 and \(QueueLimits.maxDelaySeconds)")
    }
    static func invalidBody(_ contentType: QueueContentType, _ type: String) -> QueueError {
        let expected = contentType == .text ? "a String" : "bytes ([UInt8], Data or ByteBuffer)"
        return QueueError(status: 400, message: "message body of type \(type) cannot be sent with content type '\(contentType.rawValue)'; it needs \(expected)")
    }
    static func notJSON(_ error: any Error) -> QueueError {
        QueueError(status: 400, message: "message body cannot be serialized as JSON: \(error)")
    }
}

/// Cloudflare Queues limits.
public enum QueueLimits {
    public static let maxMessageBytes = 128_000
    public static let maxBatchMessages = 100
    public static let maxBatchBytes = 256_000
    public static let maxDelaySeconds = 43_200
    /// How long a delivered batch stays leased before it is offered again (a consumer's wall-time limit).
    public static let leaseSeconds: Double = 15 * 60
}
