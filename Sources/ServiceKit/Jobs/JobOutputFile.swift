/// A binary output of a job.
public struct JobOutputFile: Sendable {
    /// The output's name (e.g. `thumbnail`), used by the orchestrator to name it in R2.
    public var name: String
    /// Its media type, e.g. `image/png`.
    public var contentType: String
    /// The bytes.
    public var bytes: [UInt8]
    /// Facts about the output (dimensions, timestamp…), returned as `result`.
    public var metadata: (any Encodable & Sendable)?

    /// Creates an output file.
    public init(name: String, contentType: String, bytes: [UInt8], metadata: (any Encodable & Sendable)? = nil) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        self.metadata = metadata
    }
}
