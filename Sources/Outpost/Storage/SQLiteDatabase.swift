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
    /// Told how long each write took, commit included (`outpost_storage_write_duration_seconds`).
    private let onWrite: WriteObserver?

    /// Told how long each write took, commit included.
    public struct WriteObserver: Sendable {
        let observe: @Sendable (Duration) -> Void
        public init(_ observe: @escaping @Sendable (Duration) -> Void) { self.observe = observe }
    }

    /// Opens (creating if needed) the database at `path` and runs `migrate` on the writer.
    /// - Parameter onWrite: told how long each write took, commit included.
    public init(path: String, synchronous: SQLiteConnection.Synchronous = .full, onWrite: WriteObserver? = nil,
                migrate: (SQLiteConnection) throws -> Void = { _ in }) throws {
        self.path = path
        self.onWrite = onWrite
        let w = try SQLiteConnection(path: path, synchronous: synchronous)
        try migrate(w)
        let r = try SQLiteConnection(path: path, synchronous: synchronous)
        self.writer = NIOLockedValueBox(SQLiteConnectionBox(w))
        self.reader = NIOLockedValueBox(SQLiteConnectionBox(r))
    }

    /// Runs `body` on the writer connection, on the calling thread.
    public func writeSync<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writer.withLockedValue { box in try timed { try body(box.connection) } }
    }

    /// Runs `body` on the writer connection on a thread-pool thread, so a commit's fsync
    /// never blocks the cooperative pool.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try writer.withLockedValue { box in try timed { try body(box.connection) } }
        }
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        guard let onWrite else { return try body() }
        let start = ContinuousClock.now
        defer { onWrite.observe(.now - start) }
        return try body()
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
