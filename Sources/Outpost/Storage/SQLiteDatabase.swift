import NIOConcurrencyHelpers
import NIOPosix

/// A SQLite database file shared by the tasks of one process.
///
/// Writes are serialized on one connection; reads use a second connection so they never
/// wait behind an fsync. Other processes (the CLI, a second server) may open the same file:
/// WAL mode and a busy timeout make that safe.
public final class SQLiteDatabase: Sendable {
    public let path: String
    // Each connection is used only while its lock is held.
    private let writer: NIOLockedValueBox<SQLiteConnectionBox>
    private let reader: NIOLockedValueBox<SQLiteConnectionBox>

    /// Opens (creating if needed) the database at `path` and runs `migrate` on the writer.
    public init(path: String, synchronous: SQLiteConnection.Synchronous = .full, migrate: (SQLiteConnection) throws -> Void = { _ in }) throws {
        self.path = path
        let w = try SQLiteConnection(path: path, synchronous: synchronous)
        try migrate(w)
        let r = try SQLiteConnection(path: path, synchronous: synchronous)
        self.writer = NIOLockedValueBox(SQLiteConnectionBox(w))
        self.reader = NIOLockedValueBox(SQLiteConnectionBox(r))
    }

    /// Runs `body` on the writer connection, on the calling thread.
    public func writeSync<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writer.withLockedValue { try body($0.connection) }
    }

    /// Runs `body` on the writer connection on a thread-pool thread, so a commit's fsync
    /// never blocks the cooperative pool.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [writer] in
            try writer.withLockedValue { try body($0.connection) }
        }
    }

    /// Runs `body` on the reader connection, on the calling thread (reads are short and never
    /// wait behind the writer's fsync).
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try reader.withLockedValue { try body($0.connection) }
    }
}

/// Boxes a connection so the lock can own it.
/// @unchecked: the connection is only touched while the enclosing lock is held.
final class SQLiteConnectionBox: @unchecked Sendable {
    let connection: SQLiteConnection
    init(_ connection: SQLiteConnection) { self.connection = connection }
}
