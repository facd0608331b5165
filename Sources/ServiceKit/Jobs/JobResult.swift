/// What a job produced: a JSON document, or a binary file with JSON metadata.
public enum JobResult: Sendable {
    /// A JSON result, returned as `{"jobId", "operation", "result": …}`.
    case json(any Encodable & Sendable)
    /// A binary output, returned as the response body or stored with `PUT` at `output.url`.
    case file(JobOutputFile)
}
