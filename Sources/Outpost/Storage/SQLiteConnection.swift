import CSQLite

/// One SQLite connection. Not thread-safe by itself: `SQLiteDatabase` serializes access to it.
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String
    private var statementCache: [String: SQLiteStatement] = [:]

    /// How the connection trades durability for speed.
    public enum Synchronous: String, Sendable {
        /// fsync on every commit: an acknowledged write survives power loss.
        case full = "FULL"
        /// fsync at checkpoints only: survives a process crash, not power loss.
        case normal = "NORMAL"
        case off = "OFF"
    }

    public init(path: String, readOnly: Bool = false, synchronous: Synchronous = .full, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(code: rc, db: db)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if !readOnly {
            try execute("PRAGMA journal_mode = WAL")
        }
        try execute("PRAGMA synchronous = \(synchronous.rawValue)")
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// A new prepared statement (not cached).
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// A prepared statement kept for reuse: use it for the fixed statements of a hot path.
    public func cached(_ sql: String) throws -> SQLiteStatement {
        if let stmt = statementCache[sql] { return stmt }
        let stmt = try prepare(sql)
        statementCache[sql] = stmt
        return stmt
    }

    /// Runs a cached statement with bindings, returning every row.
    public func query(_ sql: String, _ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try cached(sql).rows(values)
    }

    /// Runs a cached statement with bindings, discarding rows.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws {
        try cached(sql).run(values)
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in an immediate transaction; commits when it returns, rolls back when it throws.
    /// Inside a transaction already (a group-committed `SQLiteDatabase.write`), it nests as a
    /// savepoint: released when `body` returns, rolled back to when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` inside a savepoint of the open transaction; undoes only its changes when it throws.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT outpost_nested")
        do {
            let result = try body()
            try execute("RELEASE outpost_nested")
            return result
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO outpost_nested")
                try? execute("RELEASE outpost_nested")
            }
            throw error
        }
    }

    /// Sets a run-time limit (`SQLITE_LIMIT_*`), returning the previous value.
    @discardableResult
    public func setLimit(_ id: Int32, _ value: Int32) -> Int32 {
        sqlite3_limit(handle, id, value)
    }
}
