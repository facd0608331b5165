/// An error as a value: a stable code, a message a user can act on, and the cause.
///
/// Errors that reach HTTP also carry a status (`HTTPError`); errors with a fixed set of codes
/// are a `CodedHTTPError` of an `HTTPErrorCode` enum that maps each code to its status.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable code such as `kv_error` or `do_invalid_id`.
    var code: String { get }
    /// What went wrong, in words a user can act on.
    var message: String { get }
    /// The underlying error's text (an errno, a SQLite message, launcher output), when there is one.
    var cause: String? { get }
}

extension CodedError {
    public var cause: String? { nil }
    public var description: String { message }
}

/// The codes of one error type, each with the HTTP status it answers with.
public protocol HTTPErrorCode: RawRepresentable<String>, Hashable, Sendable {
    var status: Int { get }
}

/// An `HTTPError` whose code is a case of `Kind`, which also gives its status: the shape of
/// `DurableObjectError` and `ContainerError`.
public struct CodedHTTPError<Kind: HTTPErrorCode>: HTTPError, Hashable {
    public typealias Code = Kind

    public let kind: Kind
    public let message: String
    public let cause: String?

    public init(_ kind: Kind, _ message: String, cause: String? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    public var code: String { kind.rawValue }
    public var status: Int { kind.status }
}
