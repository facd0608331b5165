/// What a job produced: a JSON document, or binary files with JSON metadata.
public enum JobResult: Sendable {
    /// A JSON result, returned as `{"jobId", "operation", "result": …}`.
    case json(any Encodable & Sendable)
    /// A binary output, returned as the response body or stored with `PUT` at `output.url`.
    case file(JobOutputFile)
    /// Several binary outputs (an HLS playlist and its segments, a contact sheet and its map) with
    /// the job's metadata. They travel inline as `outputs[].base64`, or, with `output.url`, each is
    /// stored with `PUT` beside it as `<name><extension>` (the extension the descriptor declares
    /// for its content type).
    case files([JobOutputFile], metadata: (any Encodable & Sendable)?)
}
