public import OutpostJSON

/// One operation of a service: its parameters and their rules, what input it takes, how long an
/// attempt may run and what it outputs.
public struct OperationDescriptor: Sendable {
    public var name: String
    public var summary: String
    public var input: InputKind
    public var parameters: [ParameterSpec]
    /// How long one attempt may run before it is stopped and retried.
    public var timeoutSeconds: Double
    /// The content types its outputs may have.
    public var outputs: [OutputType]
    /// Rules across parameters (e.g. `from` not after `to`), checked after each parameter's own.
    public var rules: [ParameterRule]
    /// The parameter naming the user whose data the operation reads or writes (a `.userDataset`
    /// export, a restore's target): the platform sets it to the caller when it is left out, and
    /// answers 403 when someone other than an admin names another user.
    public var userParameter: String?
    /// Set when the outputs form a stream (HLS, DASH, live): stored under `streams/<id>/` and
    /// played at `/streams/<id>/…` (see ``StreamOutputs``); nil: `outputs/<job id>/`.
    public var stream: StreamOutputs?
    /// Whether the service reads its input as a stream while it arrives (ServiceKit's `JobInput`)
    /// instead of a spooled file: for an input read once, front to back, that may be larger than
    /// the instance's disk. By default, what the input kind says (``InputKind/isStreamed``).
    public var streamsInput: Bool

    public init(name: String, summary: String, input: InputKind = .media, parameters: [ParameterSpec] = [],
                rules: [ParameterRule] = [], userParameter: String? = nil, stream: StreamOutputs? = nil, streamsInput: Bool? = nil,
                timeoutSeconds: Double, outputs: [OutputType]) {
        self.name = name
        self.stream = stream
        self.streamsInput = streamsInput ?? input.isStreamed
        self.userParameter = userParameter
        self.rules = rules
        self.summary = summary
        self.input = input
        self.parameters = parameters
        self.timeoutSeconds = timeoutSeconds
        self.outputs = outputs
    }

    /// Checks `params` against the declared parameters: unknown names, types, ranges, choices and
    /// required ones. The first problem is thrown, naming the parameter and what it accepts.
    public func validate(_ params: [String: JSONValue]) throws(ParameterError) {
        let known = parameters.map(\.name)
        if let unknown = params.keys.sorted().first(where: { !known.contains($0) }) {
            let accepted = known.isEmpty ? "it takes none" : known.joined(separator: ", ")
            throw ParameterError(name: unknown, message: "is not a parameter of \(name) (\(accepted))")
        }
        for spec in parameters {
            switch params[spec.name] {
            case nil, .null?:
                if spec.required { throw ParameterError(name: spec.name, message: "is required: \(spec.rule)") }
            case let value?:
                try spec.check(value)
            }
        }
        for rule in rules { try rule.check(params) }
        if let name = stream?.nameParameter, let value = params[name]?.stringValue, !StreamOutputs.isValidName(value) {
            throw ParameterError(name: name, message: "must be 1 to \(StreamOutputs.maxNameBytes) letters, digits, - or _ (it names the stream's URL), got \"\(value)\"")
        }
    }

    /// The media-bucket objects `params` names through `.objectKey`/`.objectKeys` parameters that
    /// are set: per parameter in declaration order, its keys in list order. These are the job's
    /// attachments (sent to the service as multipart parts).
    public func objectKeys(in params: [String: JSONValue]) -> [(parameter: String, keys: [String])] {
        parameters.compactMap { spec in
            guard spec.namesObjects, let value = params[spec.name], value != .null, let keys = spec.objectKeys(in: value) else { return nil }
            return (spec.name, keys)
        }
    }
}

/// What input an operation reads.
public enum InputKind: String, Sendable {
    /// A file: an upload in the request (multipart `file` or a raw body), or the R2 key of one.
    case media
    /// Only JSON parameters; no input file.
    case none
    /// The platform's own records for a period (`PlatformDataset`): the orchestrator streams them
    /// to the service as the request body, one NDJSON line per row, with the parameters in the
    /// query string. Submitted like `.none` (JSON parameters only).
    case platformDataset
    /// One user's records and stored bytes (`UserDataset`): the orchestrator streams them to the
    /// service as the request body — NDJSON lines, each R2 object's bytes framed right after its
    /// line — for the user its `userParameter` names. Submitted like `.none`; an unknown user is a 404.
    case userDataset
    /// The same lines as `.userDataset` without the objects' bytes: what the user has, listed
    /// (an erasure's input).
    case userListing

    /// Whether the orchestrator streams one user's data (`.userDataset`, `.userListing`).
    public var isUserData: Bool { self == .userDataset || self == .userListing }

    /// Whether the service takes the input as a stream while it arrives (ServiceKit's `JobInput`),
    /// instead of a file spooled to scratch first: the user datasets, which are read once front
    /// to back and may be larger than the instance's disk.
    public var isStreamed: Bool { isUserData }
}

/// A content type an operation may output, with the extension its R2 key gets.
public struct OutputType: Sendable, Hashable {
    public var contentType: String
    /// With the dot, e.g. `.png`; empty for none.
    public var fileExtension: String

    public init(_ contentType: String, fileExtension: String) {
        self.contentType = contentType
        self.fileExtension = fileExtension
    }

    public static let json = OutputType("application/json", fileExtension: ".json")
    public static let png = OutputType("image/png", fileExtension: ".png")
    public static let jpeg = OutputType("image/jpeg", fileExtension: ".jpg")
}
