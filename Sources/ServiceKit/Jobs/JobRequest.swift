import Foundation

/// The JSON body of `POST /jobs`: `{"operation", "input": {"url"}, "params": {…}, "output": {"url"}?}`.
///
/// When the input is posted raw to `POST /jobs/{operation}` instead, the service builds one of
/// these from the path and query string, with no `input`.
public struct JobRequest: Sendable, Codable, Equatable {
    /// Where the input bytes are: a URL the runtime serves (for example its R2 endpoint).
    public struct Input: Sendable, Codable, Equatable {
        public var url: String
        public init(url: String) { self.url = url }
    }

    /// Where to store a binary output: a URL that accepts `PUT` (for example the runtime's R2 endpoint).
    public struct Output: Sendable, Codable, Equatable {
        public var url: String
        public init(url: String) { self.url = url }
    }

    /// An id chosen by the caller (the orchestrator's job id); generated when absent.
    public var id: String?
    /// The operation to run, e.g. `analyze`.
    public var operation: String?
    public var input: Input?
    public var params: [String: JSONValue]?
    public var output: Output?

    /// Creates a request.
    public init(id: String? = nil, operation: String?, input: Input? = nil, params: [String: JSONValue]? = nil, output: Output? = nil) {
        self.id = id
        self.operation = operation
        self.input = input
        self.params = params
        self.output = output
    }

    /// Decodes a request body; malformed JSON is a 400 that says where.
    static func decode(_ data: Data) throws(ServiceError) -> JobRequest {
        do {
            return try JSONDecoder().decode(JobRequest.self, from: data)
        } catch {
            throw ServiceError(
                statusCode: 400, code: "invalid_json",
                message: "The job request is not valid JSON of the form {\"operation\", \"input\": {\"url\"}, \"params\", \"output\": {\"url\"}}: \(Self.describe(error))",
                cause: error
            )
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
