/// One job as a handler sees it: the operation, its parameters, and the input already in a
/// local scratch file (seekable, deleted when the job ends).
public struct Job: Sendable {
    /// The caller's job id, or a generated one.
    public let id: String
    /// The operation, one of the handler's `operations`.
    public let operation: String
    /// The job's parameters.
    public let parameters: JobParameters
    /// Path of the scratch file holding the input; nil for operations that take none.
    public let inputPath: String?
    /// Size of the input in bytes.
    public let inputSize: Int64
    /// Scratch files of the job's other input objects, by parameter name, in the order sent
    /// (an `objectKey` parameter has one, an `objectKeys` parameter one per key).
    public let attachments: [String: [String]]
    /// The input as a stream, for an operation that declares one (``InputKind/isStreamed``):
    /// then ``inputPath`` is nil and nothing of the input is in scratch.
    public let input: JobInput?

    /// Creates a job (services get these from ``ContainerService``; tests may build them directly).
    public init(id: String, operation: String, parameters: JobParameters, inputPath: String?, inputSize: Int64, attachments: [String: [String]] = [:], input: JobInput? = nil) {
        self.id = id
        self.operation = operation
        self.parameters = parameters
        self.inputPath = inputPath
        self.inputSize = inputSize
        self.attachments = attachments
        self.input = input
    }
}
