import CSQLite
import NIOConcurrencyHelpers
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Durable Object's SQLite file, its implicit transaction and its output gate.
///
/// Every storage call runs inside an implicit transaction opened on first use; the runtime
/// commits it when the event ends, so writes with no event boundary between them commit
/// atomically. Commits go to the WAL without fsync (`synchronous = NORMAL`); `waitDurable`
/// then makes them durable with a group-committed `fdatasync` of the WAL on a thread-pool
/// thread, so the actor never blocks the cooperative pool on the disk.
final class ObjectDatabase: @unchecked Sendable {
    // @unchecked: `connection`, `inTransaction`, `savepointDepth` and the alarm flags are only
    // touched while `lock` is held; `walFD` and `needsFullSync` only by the current sync leader
    // (GroupCommitState admits one at a time) or by `close` when no round runs.
    private let lock = NIOLock()
    private var connection: SQLiteConnection?
    /// `afterDurable` actions registered during the open transaction: they wait for its commit.
    private var uncommittedActions: [@Sendable () -> Void] = []
    /// `sql.exec`'s prepared statements.
    private let statements = SqlStatementCache()
    private var inTransaction = false
    var savepointDepth = 0
    /// Set while the alarm handler runs: `getAlarm()` reports nil.
    var alarmRunning = false
    /// Set when the alarm handler calls `setAlarm`/`deleteAlarm`.
    var alarmChangedDuringHandler = false

    private let gate = NIOLockedValueBox(GroupCommitState<CheckedContinuation<SyncTurn, any Error>>())
    private var walFD: Int32 = -1
    private var needsFullSync = true
    private var closeRequested = false

    let path: String
    private let syncPool: NIOThreadPool
    /// Authorizer mode (0 = runtime statements, 1 = user SQL) and the reason of the last denial.
    let authorizerState: UnsafeMutablePointer<Int32>

    enum SyncTurn { case released, lead }

    static let schemaVersion: Int32 = 1

    /// True when this open created the file (a new object).
    let created: Bool

    init(path: String, syncPool: NIOThreadPool) throws {
        self.path = path
        self.syncPool = syncPool
        created = access(path, F_OK) != 0
        let conn = try SQLiteConnection(path: path, synchronous: .normal)
        authorizerState = .allocate(capacity: 2)
        authorizerState.initialize(repeating: 0, count: 2)
        do {
            // Keep the WAL file when the connection closes, so a reactivation does not create
            // (and later fsync the directory for) a new one.
            var persist: Int32 = 1
            sqlite3_file_control(conn.handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            sqlite3_limit(conn.handle, SQLITE_LIMIT_LENGTH, Int32(DurableObjectLimits.maxKeyValueBytes + 64))
            sqlite3_limit(conn.handle, SQLITE_LIMIT_SQL_LENGTH, Int32(DurableObjectLimits.maxStatementBytes))
            sqlite3_limit(conn.handle, SQLITE_LIMIT_VARIABLE_NUMBER, Int32(DurableObjectLimits.maxBoundParameters))
            sqlite3_limit(conn.handle, SQLITE_LIMIT_ATTACHED, 0)
            let version = try conn.prepare("PRAGMA user_version").rows().first?.first?.int64 ?? 0
            if version < Int64(Self.schemaVersion) {
                try conn.execute("""
                    CREATE TABLE IF NOT EXISTS _cf_KV (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS _cf_METADATA (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
                    PRAGMA user_version = \(Self.schemaVersion);
                    """)
            }
            // SQLite's default page size; objects never change it (the pragma is refused to user SQL).
            // A journal size limit makes a clean close truncate the kept WAL to zero bytes, so the
            // next activation has nothing to scan.
            try conn.execute("PRAGMA max_page_count = \(DurableObjectLimits.maxDatabaseBytes / 4096); PRAGMA journal_size_limit = 4194304")
            sqlite3_set_authorizer(conn.handle, durableObjectAuthorizer, authorizerState)
        } catch {
            authorizerState.deallocate()
            throw error
        }
        connection = conn
    }

    deinit {
        lock.withLock {
            statements.finalizeAll()
            connection = nil
        }
        if walFD >= 0 { _ = systemClose(walFD) }
        authorizerState.deallocate()
    }

    /// Runs `body` with the connection inside the implicit transaction.
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try lock.withLock {
            guard let connection else { throw DurableObjectError.closed }
            if !inTransaction {
                try connection.execute("BEGIN")
                inTransaction = true
            }
            return try body(connection)
        }
    }

    /// Runs `body` with the connection and `sql.exec`'s statement cache inside the implicit transaction.
    func withStatements<T>(_ body: (SQLiteConnection, SqlStatementCache) throws -> T) throws -> T {
        try withConnection { try body($0, statements) }
    }

    /// Runs `body` under the lock without opening a transaction (flags, closing checks).
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock(body)
    }

    /// Ends an event: commits the implicit transaction and returns the commit the event's
    /// response must wait for (every commit so far: the output gate holds a response behind
    /// all earlier writes, not just its own).
    func endEvent() -> UInt64 {
        commit(insideSavepoint: true)
    }

    /// Commits what is pending now (`storage.sync()`), unless a `transactionSync` is open, whose
    /// writes then wait for the end of the event. Returns the commit to wait for.
    func commitPending() -> UInt64 {
        commit(insideSavepoint: false)
    }

    private func commit(insideSavepoint: Bool) -> UInt64 {
        var ready: [@Sendable () -> Void] = []
        let seq: UInt64 = lock.withLock {
            var written: UInt64?
            if let connection, inTransaction, insideSavepoint || savepointDepth == 0 {
                let wrote = sqlite3_txn_state(connection.handle, nil) == SQLITE_TXN_WRITE
                do {
                    try connection.execute("COMMIT")
                } catch {
                    try? connection.execute("ROLLBACK")
                }
                inTransaction = false
                savepointDepth = 0
                if wrote { written = gate.withLockedValue { $0.didCommit() } }
            }
            let committed = written ?? gate.withLockedValue { $0.committed }
            if !inTransaction, !uncommittedActions.isEmpty {
                let actions = uncommittedActions
                uncommittedActions = []
                gate.withLockedValue { state in
                    for action in actions { if let now = state.attach(action, to: committed) { ready.append(now) } }
                }
            }
            return committed
        }
        for action in ready { action() }
        return seq
    }

    /// Runs `action` once everything written so far, including the open transaction when it
    /// commits, is on disk: right away when it already is, else on the thread of the sync round
    /// that makes it durable. Keep it short and non-blocking (resume a continuation, yield to a
    /// stream). If the object's storage closes first, it never runs.
    func afterDurable(_ action: @escaping @Sendable () -> Void) {
        let now: (@Sendable () -> Void)? = lock.withLock {
            if inTransaction {
                uncommittedActions.append(action)
                return nil
            }
            return gate.withLockedValue { $0.attach(action, to: $0.committed) }
        }
        now?()
    }

    /// Waits until commit `seq` is on disk (the output gate).
    func waitDurable(_ seq: UInt64) async throws {
        if seq == 0 || gate.withLockedValue({ $0.durable >= seq }) { return }
        let turn: SyncTurn = try await withCheckedThrowingContinuation { c in
            switch gate.withLockedValue({ $0.wait(for: seq, c) }) {
            case .ready: c.resume(returning: .released)
            case .lead: c.resume(returning: .lead)
            case .wait: break
            }
        }
        if turn == .lead { try await lead() }
    }

    /// Runs one sync round and hands the next round to a waiter.
    private func lead() async throws {
        let target = gate.withLockedValue { $0.startRound() }
        do {
            try await syncPool.runIfActive { [self] in try self.syncFiles() }
        } catch {
            let failed = gate.withLockedValue { $0.failRound() }
            for c in failed { c.resume(throwing: error) }
            throw error
        }
        let (release, next, actions) = gate.withLockedValue { state in
            let (release, next) = state.finishRound(target)
            return (release, next, state.takeDurableActions())
        }
        for action in actions { action() }
        for c in release { c.resume(returning: .released) }
        next?.resume(returning: .lead)
        if next == nil { closeFileIfRequested() }
    }

    /// fdatasync of the WAL; the first round after opening also syncs the database file and
    /// its directory, which may hold a new file.
    private func syncFiles() throws {
        if walFD < 0 {
            walFD = open(path + "-wal", O_RDWR | O_CLOEXEC)
            if walFD < 0 { throw DurableObjectError(.sqlError, "cannot open \(path)-wal to sync it", cause: "errno \(errno)") }
        }
        if needsFullSync {
            for p in [path, directoryOf(path)] {
                let fd = open(p, O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    _ = fsync(fd)
                    _ = systemClose(fd)
                }
            }
            needsFullSync = false
        }
        guard fdatasync(walFD) == 0 else {
            throw DurableObjectError(.sqlError, "fdatasync of \(path)-wal failed", cause: "errno \(errno)")
        }
    }

    private func closeFileIfRequested() {
        let shouldClose = gate.withLockedValue { !$0.syncing } && lock.withLock { closeRequested }
        if shouldClose, walFD >= 0 {
            _ = systemClose(walFD)
            walFD = -1
        }
    }

    /// Commits what is pending and closes the connection (SQLite checkpoints on close).
    /// Blocking: call it off the cooperative pool.
    func close() {
        let idle = gate.withLockedValue { !$0.syncing }
        lock.withLock {
            if let connection, inTransaction { try? connection.execute("COMMIT") }
            inTransaction = false
            statements.finalizeAll()
            connection = nil
            closeRequested = true
        }
        if idle, walFD >= 0 {
            _ = systemClose(walFD)
            walFD = -1
        }
    }

    var isClosed: Bool { lock.withLock { connection == nil } }
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

/// The directory part of a path.
private func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Refuses, in user SQL only, transaction statements, ATTACH, the runtime's `_cf_` tables and
/// pragmas that would change durability. `state[0]` is the mode, `state[1]` the denial reason.
private let durableObjectAuthorizer: @convention(c) (
    UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?
) -> Int32 = { data, action, arg1, arg2, _, _ in
    guard let state = data?.assumingMemoryBound(to: Int32.self), state[0] == 1 else { return SQLITE_OK }
    func isInternal(_ p: UnsafePointer<CChar>?) -> Bool {
        guard let p else { return false }
        return String(cString: p).lowercased().hasPrefix("_cf_")
    }
    switch action {
    case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
        state[1] = AuthorizerDenial.transaction.rawValue
        return SQLITE_DENY
    case SQLITE_ATTACH, SQLITE_DETACH:
        state[1] = AuthorizerDenial.attach.rawValue
        return SQLITE_DENY
    case SQLITE_PRAGMA:
        let name = arg1.map { String(cString: $0).lowercased() } ?? ""
        if AuthorizerDenial.allowedPragmas.contains(name) && (arg2 == nil || AuthorizerDenial.writablePragmas.contains(name)) { return SQLITE_OK }
        state[1] = AuthorizerDenial.pragma.rawValue
        return SQLITE_DENY
    case SQLITE_READ, SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE, SQLITE_CREATE_TABLE, SQLITE_DROP_TABLE,
         SQLITE_CREATE_INDEX, SQLITE_DROP_INDEX, SQLITE_CREATE_TRIGGER, SQLITE_DROP_TRIGGER:
        if isInternal(arg1) || (action != SQLITE_READ && action != SQLITE_UPDATE && isInternal(arg2)) {
            state[1] = AuthorizerDenial.internalTable.rawValue
            return SQLITE_DENY
        }
        return SQLITE_OK
    case SQLITE_ALTER_TABLE:
        if isInternal(arg2) {
            state[1] = AuthorizerDenial.internalTable.rawValue
            return SQLITE_DENY
        }
        return SQLITE_OK
    default:
        return SQLITE_OK
    }
}

/// Why the authorizer refused a user statement.
enum AuthorizerDenial: Int32 {
    case none = 0, transaction, attach, pragma, internalTable

    static let allowedPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check", "foreign_keys", "integrity_check", "quick_check",
        "user_version", "data_version", "page_count", "page_size", "freelist_count", "defer_foreign_keys",
        "case_sensitive_like", "function_list", "collation_list", "optimize",
    ]
    static let writablePragmas: Set<String> = ["foreign_keys", "defer_foreign_keys", "case_sensitive_like", "optimize", "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check"]
}
