public import Outpost

/// One job as the orchestrator stores it.
public struct JobRecord: Sendable, Equatable {
    public var seq: Int64
    public var id: String
    /// The caller that created it (only it, and admins, may see it).
    public var owner: String
    public var type: String
    public var status: JobStatus
    public var priority: JobPriority
    /// Attempts started so far (an attempt cut short by a runtime restart is not counted).
    public var attempts: Int
    public var maxAttempts: Int
    public var progress: Double
    public var stage: String?
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// Not started before this time (delays and retry backoff).
    public var notBefore: Int64
    public var params: [String: JSONValue]
    public var inputKey: String?
    /// The service's result as JSON text, parsed only when shown (it can be large).
    public var resultText: String?
    /// The service's result.
    public var result: JSONValue? { resultText.flatMap { try? JSONValue.parse($0) } }
    /// The last failure: the final one for failed and dead-lettered jobs, the one retried otherwise.
    public var error: JobFailure?
    public var outputs: [JobOutput]
    public var webhookURL: String?
    /// The container instance running (or that last ran) the job.
    public var instance: String?
    /// While it runs, the text a streaming operation (a generation) has produced so far; held in
    /// memory only, never stored: the result has the whole text.
    public var partialText: String? = nil
    /// The owner's role when it submitted the job (`admin`, `user`, `viewer`, as the API's
    /// `Caller.Role`), so a service's hooks can act for it (an admin's `similar` searches the whole
    /// platform); nil for jobs stored before roles were recorded. Not shown in the job's JSON.
    public var ownerRole: String? = nil
    /// The id of the stream its outputs form (its `stream_name`, or its own id) when its operation
    /// declares them a stream (`OperationDescriptor.stream`): they are under `streams/<stream>/`.
    public var stream: String? = nil

    /// The job as the API shows it (`GET /api/containers/jobs/{id}`).
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "type": .string(type), "status": .string(status.rawValue), "priority": .string(priority.rawValue),
            "attempts": .number(Double(attempts)), "maxAttempts": .number(Double(maxAttempts)),
            "progress": .number((progress * 1000).rounded() / 1000),
            "createdAt": .string(PlatformTime.iso8601(createdAt)),
            "startedAt": startedAt.map { .string(PlatformTime.iso8601($0)) } ?? .null,
            "finishedAt": finishedAt.map { .string(PlatformTime.iso8601($0)) } ?? .null,
            "params": .object(params),
            "input": inputKey.map { .object(["key": .string($0)]) } ?? .null,
            "result": result ?? .null,
            "error": error.map { .object(["code": .string($0.code), "message": .string($0.message)]) } ?? .null,
            "outputs": .array(outputs.map { output in
                .object([
                    "name": .string(output.name), "key": .string(output.key), "contentType": .string(output.contentType),
                    "size": .number(Double(output.size)), "url": .string("/api/containers/jobs/\(id)/outputs/\(output.name)"),
                ])
            }),
        ]
        if let stage { o["stage"] = .string(stage) }
        if let stream { o["stream"] = .string(stream) }
        if let partialText { o["partialText"] = .string(partialText) }
        if let webhookURL { o["webhookUrl"] = .string(webhookURL) }
        if notBefore > createdAt, status == .queued { o["notBefore"] = .string(PlatformTime.iso8601(notBefore)) }
        return .object(o)
    }

    /// What the KV cache holds under `job:<id>`: the API shape plus the owner.
    var cacheJSON: JSONValue {
        guard case .object(var o) = json else { return json }
        o["owner"] = .string(owner)
        return .object(o)
    }

    /// Whether the job was submitted by an admin.
    public var ownerIsAdmin: Bool { ownerRole == "admin" }

    /// The KV key of the cached status.
    public static func cacheKey(_ id: String) -> String { "job:" + id }
}
