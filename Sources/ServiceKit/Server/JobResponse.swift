/// The JSON that reports a finished job: `{"jobId", "operation", "result", "outputs"?}`.
struct JobResponse: Encodable, Sendable {
    /// One binary output: stored at `url`, or inline as `base64` in a progress stream.
    struct Output: Encodable, Sendable {
        var name: String
        var contentType: String
        var size: Int
        var url: String?
        var etag: String?
        var base64: String?
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

/// One line of an NDJSON progress stream.
struct ProgressLine: Encodable, Sendable {
    var type: String
    var jobId: String
    var progress: Double?
    var stage: String?
    var status: Int?
    var job: JobResponse?
    var error: [String: String]?

    static func progress(_ jobId: String, _ report: JobProgress) -> ProgressLine {
        .init(type: "progress", jobId: jobId, progress: report.progress, stage: report.stage)
    }

    static func failure(_ jobId: String, _ error: ServiceError) -> ProgressLine {
        .init(type: "error", jobId: jobId, status: error.statusCode, error: ["code": error.code, "message": error.message])
    }

    static func result(_ jobId: String, _ response: JobResponse) -> ProgressLine {
        .init(type: "result", jobId: jobId, status: 200, job: response)
    }
}
