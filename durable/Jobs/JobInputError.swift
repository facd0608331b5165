public import Outpost

/// A job request the platform cannot take: a 400 (or the given status) with a message the
/// caller can act on. Nothing is stored.
public struct JobInputError: HTTPError, Equatable {
    public let status: Int
    public let code: String
    public let message: String

    public init(_ message: String, code: String = "invalid_job", status: Int = 400) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func notFound(_ id: String) -> JobInputError {
        JobInputError("No job with id \"\(id)\".", code: "job_not_found", status: 404)
    }
}
