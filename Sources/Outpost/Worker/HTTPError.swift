/// A coded error that becomes an HTTP response with a status, a code and a message a user can act on.
///
/// The runtime turns these into `{"error": {"code": …, "message": …}}` with their status;
/// any other error thrown from a handler is a 500.
public protocol HTTPError: CodedError {
    var status: Int { get }
}

extension HTTPError {
    /// The JSON error response for this error: the one place an error becomes HTTP.
    public var response: Response {
        Response.jsonError(status: status, code: code, message: message)
    }
}

/// A plain HTTP error built in place.
public struct HTTPFailure: HTTPError {
    public let status: Int
    public let code: String
    public let message: String

    public init(_ status: Int, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> HTTPFailure { .init(400, code: code, message) }
    public static func notFound(_ message: String, code: String = "not_found") -> HTTPFailure { .init(404, code: code, message) }
    /// 404 for a request no route takes.
    public static func noRoute(_ request: Request) -> HTTPFailure { notFound("No route for \(request.method.rawValue) \(request.path)") }
}
