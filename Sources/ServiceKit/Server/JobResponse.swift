/// The JSON that reports a finished job: `{"jobId", "operation", "result", "outputs"?}`.
struct JobResponse: Encodable, Sendable {
    /// One binary output: stored at `url`, inline as `base64` in a progress stream, or waiting
    /// in the service's outbox at `pull` (see ``JobOutbox``).
    struct Output: Encodable, Sendable {
        var name: String
        var contentType: String
        var size: Int
        var url: String?
        var etag: String?
        var base64: String?
        var pull: String?
    }

    var jobId: String
    var operation: String
    var result: (any Encodable & Sendable)?
    var outputs: [Output]?

    private enum CodingKeys: String, CodingKey { case jobId, operation, result, outputs }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobId, forKey: .jobId)
        try container.encode(operation, forKey: .operation)
        if let result { try container.encode(result, forKey: .result) } else { try container.encodeNil(forKey: .result) }
        try container.encodeIfPresent(outputs, forKey: .outputs)
    }
}
