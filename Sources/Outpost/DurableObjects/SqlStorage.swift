import CSQLite

/// The synchronous SQL API of a Durable Object (`state.storage.sql`).
///
/// `exec` runs one or more statements with `?` bindings and returns a cursor over the rows of
/// the last one. Transactions are the runtime's job: BEGIN, COMMIT, ROLLBACK and SAVEPOINT are
/// refused; use `storage.transactionSync`.
public final class SqlStorage: Sendable {
    let database: ObjectDatabase

    init(database: ObjectDatabase) {
        self.database = database
    }

    /// Runs `query` (one or more statements) with `bindings` consumed in order across them.
    @discardableResult
    public func exec(_ query: String, _ bindings: SQLiteValue...) throws -> SqlStorageCursor {
        try exec(query, bindings: bindings)
    }

    /// Runs `query` with an array of bindings.
    @discardableResult
    public func exec(_ query: String, bindings: [SQLiteValue]) throws -> SqlStorageCursor {
        let length = query.utf8.count
        guard length <= DurableObjectLimits.maxStatementBytes else { throw DurableObjectError.statementTooLong(length) }
        guard bindings.count <= DurableObjectLimits.maxBoundParameters else { throw DurableObjectError.tooManyBindings(bindings.count) }
        return try database.withStatements { conn, cache in
            try SqlStorage.run(query, bindings: bindings, on: conn, authorizer: database.authorizerState, cache: cache)
        }
    }

    /// The size of the database file in bytes.
    public var databaseSize: Int {
        (try? database.withConnection { conn -> Int in
            let pages = try conn.query("PRAGMA page_count").first?.first?.int64 ?? 0
            let size = try conn.query("PRAGMA page_size").first?.first?.int64 ?? 4096
            return Int(pages * size)
        }) ?? 0
    }

    /// Runs `query`; with a `cache`, a single statement is kept prepared for the next call.
    static func run(_ query: String, bindings: [SQLiteValue], on conn: SQLiteConnection, authorizer: UnsafeMutablePointer<Int32>,
                    cache: SqlStatementCache? = nil) throws -> SqlStorageCursor {
        // User SQL is authorized while it is prepared and while it runs (SQLite prepares a
        // statement again, through the authorizer, when the schema changed).
        authorizer[0] = 1
        authorizer[1] = 0
        defer { authorizer[0] = 0 }
        if let stmt = cache?.take(query) {
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            var result = Result()
            try execute(stmt, bindings: bindings, from: 0, on: conn, into: &result)
            return try result.cursor(bindings: bindings)
        }
        var result = Result()
        try query.utf8CString.withUnsafeBufferPointer { buffer in
            guard var tail = buffer.baseAddress else { return }
            while tail.pointee != 0 {
                var stmt: OpaquePointer?
                var next: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v3(conn.handle, tail, -1, cache == nil ? 0 : UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &next)
                guard rc == SQLITE_OK else {
                    throw SqlStorage.prepareError(rc, conn: conn, denial: AuthorizerDenial(rawValue: authorizer[1]) ?? .none)
                }
                let single = tail == buffer.baseAddress && (next?.pointee ?? 0) == 0
                tail = next ?? tail
                guard let stmt else { continue }  // whitespace or a comment
                var kept = false
                defer {
                    if kept {
                        sqlite3_reset(stmt)
                        sqlite3_clear_bindings(stmt)
                    } else {
                        sqlite3_finalize(stmt)
                    }
                }
                try execute(stmt, bindings: bindings, from: result.nextBinding, on: conn, into: &result)
                if single, let cache { kept = cache.keep(stmt, for: query) }
            }
        }
        return try result.cursor(bindings: bindings)
    }

    /// What the statements of one `exec` produced: the last one's rows, and counts over all.
    private struct Result {
        var columns: [String] = []
        var rows: [[SQLiteValue]] = []
        var rowsRead = 0
        var rowsWritten = 0
        var nextBinding = 0

        func cursor(bindings: [SQLiteValue]) throws -> SqlStorageCursor {
            guard nextBinding == bindings.count else {
                throw DurableObjectError(.invalidArgument, "\(bindings.count) bindings were given but the SQL uses \(nextBinding).")
            }
            return SqlStorageCursor(columnNames: columns, rows: rows, rowsRead: rowsRead, rowsWritten: rowsWritten)
        }
    }

    /// Binds (from `bindings[first...]`) and steps one prepared statement to its end.
    private static func execute(_ stmt: OpaquePointer, bindings: [SQLiteValue], from first: Int, on conn: SQLiteConnection, into result: inout Result) throws {
        let parameterCount = Int(sqlite3_bind_parameter_count(stmt))
        guard first + parameterCount <= bindings.count else {
            throw DurableObjectError(.invalidArgument, "The SQL needs \(first + parameterCount) bindings but \(bindings.count) were given.")
        }
        for i in 0..<parameterCount {
            try bind(bindings[first + i], at: Int32(i + 1), stmt, conn)
        }
        result.nextBinding = first + parameterCount
        var rows: [[SQLiteValue]] = []
        let before = sqlite3_total_changes(conn.handle)
        // Columns are read once stepping started: a step may prepare the statement again after a
        // schema change, and `SELECT *` then has the new columns.
        var n = -1
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_ROW {
                if n < 0 { n = Int(sqlite3_column_count(stmt)) }
                rows.append((0..<n).map { columnValue(stmt, Int32($0)) })
            } else if step == SQLITE_DONE {
                break
            } else {
                throw SqlStorage.stepError(step, conn: conn)
            }
        }
        let written = Int(sqlite3_total_changes(conn.handle) - before)
        result.columns = (0..<sqlite3_column_count(stmt)).map { String(cString: sqlite3_column_name(stmt, $0)) }
        result.rows = rows
        result.rowsWritten += written
        // The full-scan counter is read and reset: a kept statement counts each run on its own.
        result.rowsRead += rows.count + Int(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1))
        if sqlite3_stmt_readonly(stmt) == 0 { result.rowsRead += written }
    }

    private static func bind(_ value: SQLiteValue, at index: Int32, _ stmt: OpaquePointer, _ conn: SQLiteConnection) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case .integer(let v): rc = sqlite3_bind_int64(stmt, index, v)
        case .real(let v): rc = sqlite3_bind_double(stmt, index, v)
        case .text(let s): rc = sqlite3_bind_text(stmt, index, s, -1, csqlite_transient())
        case .blob(let b):
            rc = b.withUnsafeBytes { raw in
                sqlite3_bind_blob64(stmt, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count), csqlite_transient())
            }
        }
        guard rc == SQLITE_OK else { throw stepError(rc, conn: conn) }
    }

    private static func columnValue(_ stmt: OpaquePointer, _ c: Int32) -> SQLiteValue {
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, c))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, c))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(stmt, c) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, c))), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, c))
            guard n > 0, let p = sqlite3_column_blob(stmt, c) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    static func prepareError(_ rc: Int32, conn: SQLiteConnection, denial: AuthorizerDenial) -> DurableObjectError {
        let message = String(cString: sqlite3_errmsg(conn.handle))
        switch denial {
        case .transaction: return .transactionStatement
        case .attach: return DurableObjectError(.sqlError, "ATTACH and DETACH are not allowed in Durable Object storage.", cause: message)
        case .pragma: return DurableObjectError(.sqlError, "This PRAGMA is not allowed in Durable Object storage (only read-only schema and check pragmas are).", cause: message)
        case .internalTable: return DurableObjectError(.sqlError, "Tables whose names start with _cf_ belong to the runtime and cannot be accessed: \(message): SQLITE_AUTH", cause: message)
        case .none: return stepError(rc, conn: conn)
        }
    }

    static func stepError(_ rc: Int32, conn: SQLiteConnection) -> DurableObjectError {
        let message = String(cString: sqlite3_errmsg(conn.handle))
        let primary = rc & 0xff
        if primary == SQLITE_TOOBIG {
            return DurableObjectError(.storageLimit, "string or blob too big: a row, string or blob is limited to \(DurableObjectLimits.maxKeyValueBytes) bytes: SQLITE_TOOBIG", cause: message)
        }
        if primary == SQLITE_FULL {
            return DurableObjectError(.storageLimit, "database or disk is full: a Durable Object stores at most 10 GB: SQLITE_FULL", cause: message)
        }
        if primary == SQLITE_RANGE || message.contains("too many SQL variables") {
            return DurableObjectError(.storageLimit, "too many SQL variables: at most \(DurableObjectLimits.maxBoundParameters) bound parameters: SQLITE_ERROR", cause: message)
        }
        let name = String(cString: sqlite3_errstr(primary))
        return DurableObjectError(.sqlError, "\(message): SQLITE_\(primaryName(primary) ?? name)", cause: message)
    }

    private static func primaryName(_ code: Int32) -> String? {
        switch code {
        case SQLITE_ERROR: "ERROR"
        case SQLITE_CONSTRAINT: "CONSTRAINT"
        case SQLITE_MISMATCH: "MISMATCH"
        case SQLITE_AUTH: "AUTH"
        case SQLITE_RANGE: "RANGE"
        default: nil
        }
    }
}
