/// An error as a value: a stable code, a message a user can act on, and the cause.
///
/// Errors that reach HTTP also carry a status (`HTTPError`); errors with a fixed set of codes
/// list them in an `HTTPErrorCode` enum that maps each to its status (`HTTPCodedError`).
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

/// An `HTTPError` whose code is a case of an `HTTPErrorCode` enum, which also gives its status.
public protocol HTTPCodedError: HTTPError {
    associatedtype Kind: HTTPErrorCode
    var kind: Kind { get }
}

extension HTTPCodedError {
    public var code: String { kind.rawValue }
    public var status: Int { kind.status }
}
