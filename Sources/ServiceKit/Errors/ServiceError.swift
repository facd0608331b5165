public import Hummingbird
import Foundation
import NIOCore

/// An error a container service reports to its caller: an HTTP status, a stable code, a message
/// a user can act on, and the underlying cause.
///
/// It becomes `{"error": {"code": …, "message": …}}` with its status. Bad input is always a 4xx:
/// 400 for bad parameters or request shape, 413 for input over the size limit, 422 for input that
/// is well-formed HTTP but not something the service can process (corrupt or non-media files).
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status code.
    public var statusCode: Int
    /// A stable, machine-readable code such as `invalid_parameter` or `unreadable_input`.
    public var code: String
    /// What went wrong and what to do about it.
    public var message: String
    /// The error that caused this one, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error with a status, a code, a message and an optional cause.
    public init(statusCode: Int, code: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.statusCode = statusCode
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }

    /// 400: the request or its parameters are wrong.
    public static func badRequest(_ message: String, code: String = "bad_request") -> ServiceError {
        .init(statusCode: 400, code: code, message: message)
    }

    /// 400 for one named parameter.
    public static func invalidParameter(_ name: String, _ message: String) -> ServiceError {
        .init(statusCode: 400, code: "invalid_parameter", message: "\(name): \(message)")
    }

    /// 404: no such route or resource.
    public static func notFound(_ message: String) -> ServiceError {
        .init(statusCode: 404, code: "not_found", message: message)
    }

    /// 413: the input is larger than the service accepts.
    public static func inputTooLarge(limit: Int64) -> ServiceError {
        .init(statusCode: 413, code: "input_too_large", message: "The input is larger than this service's limit of \(limit) bytes.")
    }

    /// 422: the input arrived but cannot be processed (corrupt, wrong kind of file).
    public static func unprocessable(_ message: String, code: String = "unprocessable_input", cause: (any Error & Sendable)? = nil) -> ServiceError {
        .init(statusCode: 422, code: code, message: message, cause: cause)
    }

    /// 502: fetching the input or storing the output at a URL the caller gave failed.
    public static func transferFailed(_ message: String, cause: (any Error & Sendable)? = nil) -> ServiceError {
        .init(statusCode: 502, code: "transfer_failed", message: message, cause: cause)
    }

    /// 500: a fault in the service itself.
    public static func internalError(_ message: String, cause: (any Error & Sendable)? = nil) -> ServiceError {
        .init(statusCode: 500, code: "internal", message: message, cause: cause)
    }

    /// The JSON body: `{"error": {"code", "message"}}`.
    public var jsonBody: [String: [String: String]] {
        ["error": ["code": code, "message": message]]
    }
}

extension ServiceError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: statusCode, value: jsonBody)
    }
}
