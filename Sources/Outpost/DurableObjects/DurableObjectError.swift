/// A Durable Object operation refused or failed, with a code and a message a user can act on,
/// and the underlying error's description when there is one (a SQLite message, say).
public typealias DurableObjectError = CodedHTTPError<DurableObjectErrorCode>

/// The codes of `DurableObjectError`, each with its HTTP status.
public enum DurableObjectErrorCode: String, HTTPErrorCode {
    case invalidId = "do_invalid_id"
    case handlerMissing = "do_handler_missing"
    case storageLimit = "do_storage_limit"
    case transactionStatement = "do_transaction_statement"
    case sqlError = "do_sql_error"
    case invalidArgument = "do_invalid_argument"
    case reset = "do_reset"
    case closed = "do_closed"
    case notExported = "do_class_not_exported"
    case wrongClass = "do_wrong_class"

    public var status: Int {
        switch self {
        case .invalidId, .storageLimit, .transactionStatement, .sqlError, .invalidArgument: 400
        case .handlerMissing: 501
        case .reset, .closed: 503
        case .notExported, .wrongClass: 500
        }
    }
}

extension DurableObjectError {
    static var idNotForNamespace: DurableObjectError { DurableObjectError(.invalidId, "Durable Object ID is not valid for this namespace.") }
    static func idShape(_ text: String) -> DurableObjectError {
        DurableObjectError(.invalidId, "Invalid Durable Object ID: must be 64 hex digits (got \(text.count) characters).")
    }
    static func handlerMissing(_ handler: String) -> DurableObjectError {
        DurableObjectError(.handlerMissing, "Handler does not export a \(handler)() function.")
    }
    static var transactionStatement: DurableObjectError {
        DurableObjectError(
            .transactionStatement,
            "To execute a transaction, please use the state.storage.transactionSync() API instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The API is safer because it rolls back automatically when the closure throws, and because it interacts correctly with Durable Objects' automatic atomic write coalescing."
        )
    }
    static func valueTooLarge(_ size: Int) -> DurableObjectError {
        DurableObjectError(.storageLimit, "Key and value combined are \(size) bytes, which exceeds the limit of \(DurableObjectLimits.maxKeyValueBytes) bytes (2 MiB).")
    }
    static func keyTooLarge(_ size: Int) -> DurableObjectError {
        DurableObjectError(.storageLimit, "Key of \(size) bytes exceeds the limit of \(DurableObjectLimits.maxKeyBytes) bytes.")
    }
    static func tooManyKeys(_ n: Int) -> DurableObjectError {
        DurableObjectError(.storageLimit, "Batch of \(n) keys exceeds the limit of \(DurableObjectLimits.maxBatchKeys) keys per operation.")
    }
    static func statementTooLong(_ n: Int) -> DurableObjectError {
        DurableObjectError(.storageLimit, "SQL statement of \(n) bytes exceeds the limit of \(DurableObjectLimits.maxStatementBytes) bytes.")
    }
    static func tooManyBindings(_ n: Int) -> DurableObjectError {
        DurableObjectError(.storageLimit, "\(n) bound parameters exceed the limit of \(DurableObjectLimits.maxBoundParameters).")
    }
    static func reset(_ why: String) -> DurableObjectError {
        DurableObjectError(.reset, "Durable Object reset: \(why). The next call builds a fresh instance from storage.")
    }
    static var closed: DurableObjectError {
        DurableObjectError(.closed, "This Durable Object instance was evicted or reset; its storage is closed. Use a stub to reach the live instance.")
    }
}

/// Storage limits of SQLite-backed Durable Objects (ANCHORS.md).
public enum DurableObjectLimits {
    /// Key plus value in the key-value API; also the largest row, string or blob in SQL.
    public static let maxKeyValueBytes = 2 * 1024 * 1024
    public static let maxKeyBytes = 2048
    public static let maxBatchKeys = 128
    public static let maxStatementBytes = 100_000
    public static let maxBoundParameters = 100
    public static let maxDatabaseBytes: Int64 = 10 * 1_000_000_000
}
