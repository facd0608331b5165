import NIOConcurrencyHelpers
import NIOPosix

/// A SQLite database file shared by the tasks of one process.
///
/// Writes are serialized on one connection; reads use a second connection so they never
/// wait behind an fsync. Concurrent `write`s are group-committed (`WriteBatcher`): they share
/// one transaction and one fsync, and none returns before the commit holding it is durable.
/// Other processes (the CLI, a second server) may open the same file: WAL mode and a busy
/// timeout make that safe.
public final class SQLiteDatabase: Sendable {
    public let path: String
    // Each connection is used only while its lock is held.
    private let writer: NIOLockedValueBox<SQLiteConnectionBox>
    private let reader: NIOLockedValueBox<SQLiteConnectionBox>
    /// Told how long each write took, commit included (`outpost_storage_write_duration_seconds`).
    private let onWrite: WriteObserver?
    /// Gathers concurrent `write`s into rounds of one transaction each.
    private let batcher: WriteBatcher

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
        self.batcher = WriteBatcher(synchronous: synchronous)
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
    /// never blocks the cooperative pool, and returns once its changes are committed.
    ///
    /// Writes made at the same time are group-committed: each `body` runs inside its own
    /// savepoint of one shared transaction, so a `body` that throws undoes only its own changes
    /// and gets its own error; the round commits once, and if that commit fails every write in
    /// it gets the error. `body` must not open or end transactions itself except through
    /// `SQLiteConnection.transaction` (which nests as a savepoint), and must not change pragmas.
    /// - Parameter durable: false lets a round made only of such writes commit without fsync
    ///   (`synchronous = NORMAL`: survives a process crash, not power loss).
    public func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let result = WriteResult<T>()
        let member = WriteBatcher.Member(durable: durable) { db in result.value = try body(db) }
        if await batcher.join(member) == .lead {
            do {
                try await NIOThreadPool.singleton.runIfActive { [self] in
                    writer.withLockedValue { box in batcher.runRound(on: box.connection, observe: onWrite?.observe) }
                }
            } catch {
                batcher.abandon(error)
            }
        }
        try member.outcome!.get()
        return result.value!
    }

    /// Writes waiting for the next group-commit round.
    var queuedWrites: Int { batcher.queuedCount }

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

/// Carries a write's return value from the round that ran it to its writer.
/// @unchecked: set by the round before the writer is resumed, read by the writer after.
final class WriteResult<T>: @unchecked Sendable {
    var value: T?
}
