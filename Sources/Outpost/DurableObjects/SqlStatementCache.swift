import CSQLite

/// Prepared statements of one object's `sql.exec`, kept by their SQL text, so the statements a
/// Durable Object runs on every request are parsed and planned once, not per call.
///
/// Only single-statement queries are kept, at most `capacity` of them (past it the cache starts
/// over). A kept statement was authorized as user SQL when prepared, and SQLite prepares it again
/// (authorized again) if the schema changes. Not thread-safe: `ObjectDatabase` uses it under its
/// lock, and finalizes every statement before the connection closes.
final class SqlStatementCache {
    private var statements: [String: OpaquePointer] = [:]
    static let capacity = 128

    /// The kept statement for `query`, reset and with its bindings cleared.
    func take(_ query: String) -> OpaquePointer? {
        statements[query]
    }

    /// Keeps `stmt` for `query`; false when it was not kept (the caller finalizes it).
    func keep(_ stmt: OpaquePointer, for query: String) -> Bool {
        if statements.count >= Self.capacity { finalizeAll() }
        guard statements[query] == nil else { return false }
        statements[query] = stmt
        return true
    }

    /// Finalizes every kept statement (before the connection closes).
    func finalizeAll() {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        statements = [:]
    }
}
