import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite file behind every queue of a state directory (`queues.sqlite`).
///
/// One row per message. A message is ready when it has no lease and `visible_at` has passed,
/// delayed when `visible_at` is in the future, and in flight while `lease_expires` is set.
/// Acks delete the row; a dead-lettered message changes `queue` and keeps its id.
/// Sends commit with fsync (synchronous=FULL). Consumer-side writes (leases, acks, retries,
/// dead-letter moves) commit without their own fsync: a kill -9 cannot lose them (the OS holds
/// them), and the next send's fsync makes them durable with it, since a WAL only ever loses a
/// suffix. A power cut can therefore only undo a recent consumer write, which redelivers a message,
/// the at-least-once direction; it never loses a message a producer was told is stored.
/// The CLI opens the same file while a server runs: WAL mode and the busy timeout make that safe,
/// and dispatchers re-check the table every second, so they see rows other processes wrote.
public final class QueueStore: Sendable {
    let database: SQLiteDatabase
    let clock: RuntimeClock
    /// Consumers' wake-up bells, by queue name: a send rings the bell of its queue.
    private let bells = NIOLockedValueBox<[String: Doorbell]>([:])

    let metrics: Metrics

    public init(stateDirectory: String, clock: RuntimeClock, metrics: Metrics = Metrics()) throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        self.clock = clock
        self.metrics = metrics
        self.database = try SQLiteDatabase(path: stateDirectory + "/queues.sqlite", onWrite: metrics.storageWriteObserver("queues")) { db in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS messages (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    body BLOB NOT NULL,
                    content_type TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    visible_at INTEGER NOT NULL,
                    lease_expires INTEGER,
                    lease_owner TEXT
                );
                CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, lease_expires, visible_at);
                CREATE TABLE IF NOT EXISTS queue_stats (
                    queue TEXT PRIMARY KEY,
                    dead_lettered INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                """)
        }
    }

    /// A producer for `queue` (the CLI and tests use this; Workers get theirs from `env.queue`).
    public func queue(named name: String, deliveryDelay: Int? = nil) -> Queue {
        Queue(name: name, store: self, deliveryDelay: deliveryDelay)
    }

    /// Runs `body` in a transaction committed without fsync (see the type's note on durability).
    private func consumerWrite<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await database.write(durable: false) { db in
            try db.transaction { try body(db) }
        }
    }

    func register(bell: Doorbell, for queue: String) {
        bells.withLockedValue { $0[queue] = bell }
    }

    func notify(_ queue: String) {
        bells.withLockedValue { $0[queue] }?.ring()
    }

    // MARK: producing

    struct NewMessage: Sendable {
        var id: String
        var body: [UInt8]
        var contentType: QueueContentType
        var delaySeconds: Int
    }

    /// Inserts `messages` in one transaction; returns once it is durable.
    func insert(_ messages: [NewMessage], into queue: String) async throws {
        let start = ContinuousClock.now
        defer { metrics.count(RuntimeMetricFamilies.queueOperations, RuntimeMetricFamilies.queueDuration, "send", since: start) }
        let now = clock.nowMilliseconds()
        try await database.write { db in
            try db.transaction {
                let stmt = try db.cached("INSERT INTO messages (id, queue, body, content_type, timestamp, visible_at) VALUES (?, ?, ?, ?, ?, ?)")
                for m in messages {
                    try stmt.run([.text(m.id), .text(queue), .blob(m.body), .text(m.contentType.rawValue), .integer(now), .integer(now + Int64(m.delaySeconds) * 1000)])
                }
            }
        }
        notify(queue)
    }

    // MARK: consuming

    /// What the dispatcher needs to decide whether to deliver now.
    struct ReadySummary: Equatable {
        /// Ready messages, counted up to the batch size asked for.
        var count: Int
        /// When the oldest ready message became ready (ms): the batch timeout runs from here.
        var oldestVisibleAt: Int64?
    }

    func readySummary(queue: String, now: Int64, limit: Int) throws -> ReadySummary {
        try database.read { db in
            let rows = try db.query("""
                SELECT count(*), min(visible_at) FROM (
                    SELECT visible_at FROM messages WHERE queue = ? AND lease_expires IS NULL AND visible_at <= ? LIMIT ?
                )
                """, [.text(queue), .integer(now), .integer(Int64(limit))])
            let row = rows.first ?? []
            return ReadySummary(count: row.first?.int ?? 0, oldestVisibleAt: row.count > 1 ? row[1].int64 : nil)
        }
    }

    /// The next time (ms) something changes for `queue` without anyone sending: a delayed message
    /// becomes ready or a lease expires.
    func nextChange(queue: String, after now: Int64) throws -> Int64? {
        try database.read { db in
            let delayed = try db.query(
                "SELECT min(visible_at) FROM messages WHERE queue = ? AND lease_expires IS NULL AND visible_at > ?",
                [.text(queue), .integer(now)]
            ).first?.first?.int64
            let lease = try db.query(
                "SELECT min(lease_expires) FROM messages WHERE queue = ? AND lease_expires IS NOT NULL",
                [.text(queue)]
            ).first?.first?.int64
            return [delayed, lease].compactMap { $0 }.min()
        }
    }

    /// Leases up to `limit` ready messages of `queue` to `owner`, counting a delivery attempt for each.
    func lease(queue: String, limit: Int, owner: String, now: Int64, leaseMilliseconds: Int64) async throws -> [QueuedMessage] {
        let start = ContinuousClock.now
        defer { metrics.count(RuntimeMetricFamilies.queueOperations, RuntimeMetricFamilies.queueDuration, "lease", since: start) }
        return try await consumerWrite { db in
            let rows = try db.query("""
                SELECT seq, id, body, content_type, timestamp, attempts FROM messages
                WHERE queue = ? AND lease_expires IS NULL AND visible_at <= ?
                ORDER BY visible_at, seq LIMIT ?
                """, [.text(queue), .integer(now), .integer(Int64(limit))])
            let update = try db.cached("UPDATE messages SET lease_expires = ?, lease_owner = ?, attempts = attempts + 1 WHERE seq = ?")
            return try rows.map { row in
                let seq = row[0].int64 ?? 0
                try update.run([.integer(now + leaseMilliseconds), .text(owner), .integer(seq)])
                return QueuedMessage(
                    seq: seq, id: row[1].string ?? "", body: row[2].bytes ?? [],
                    contentType: QueueContentType(rawValue: row[3].string ?? "json") ?? .json,
                    timestamp: row[4].int64 ?? 0, attempts: (row[5].int ?? 0) + 1
                )
            }
        }
    }

    /// Applies the outcome of one delivered batch in one transaction. A row whose lease is no longer
    /// this delivery's (it expired and was delivered again) is left alone.
    func settle(queue: String, owner: String, _ settlements: [(message: QueuedMessage, settlement: MessageSettlement)]) async throws {
        let start = ContinuousClock.now
        defer { metrics.count(RuntimeMetricFamilies.queueOperations, RuntimeMetricFamilies.queueDuration, "settle", since: start) }
        let now = clock.nowMilliseconds()
        try await consumerWrite { db in
            let match = "seq = ? AND lease_owner = ? AND attempts = ?"
            for (m, s) in settlements {
                let key: [SQLiteValue] = [.integer(m.seq), .text(owner), .integer(Int64(m.attempts))]
                switch s {
                case .acknowledged:
                    try db.run("DELETE FROM messages WHERE \(match)", key)
                case .retryAt(let visibleAt):
                    try db.run("UPDATE messages SET lease_expires = NULL, lease_owner = NULL, visible_at = ? WHERE \(match)", [.integer(visibleAt)] + key)
                case .deadLetter(let target):
                    try db.run("UPDATE messages SET queue = ?, attempts = 0, lease_expires = NULL, lease_owner = NULL, visible_at = ? WHERE \(match)", [.text(target), .integer(now)] + key)
                    if db.changes > 0 { try Self.countDeadLetter(db, queue: queue) }
                case .drop:
                    try db.run("DELETE FROM messages WHERE \(match)", key)
                    if db.changes > 0 { try Self.countDeadLetter(db, queue: queue) }
                }
            }
        }
        for case .deadLetter(let target) in Set(settlements.map(\.settlement)) { notify(target) }
    }

    private static func countDeadLetter(_ db: SQLiteConnection, queue: String) throws {
        try db.run("INSERT INTO queue_stats (queue, dead_lettered) VALUES (?, 1) ON CONFLICT (queue) DO UPDATE SET dead_lettered = dead_lettered + 1", [.text(queue)])
    }

    /// Makes leases that expired before `now` ready again (their delivery is presumed lost).
    func releaseExpiredLeases(queue: String, now: Int64) async throws {
        let any = try database.read { db in
            try db.query("SELECT 1 FROM messages WHERE queue = ? AND lease_expires IS NOT NULL AND lease_expires <= ? LIMIT 1", [.text(queue), .integer(now)])
        }
        guard !any.isEmpty else { return }
        try await database.write { db in
            try db.run("UPDATE messages SET lease_expires = NULL, lease_owner = NULL WHERE queue = ? AND lease_expires IS NOT NULL AND lease_expires <= ?", [.text(queue), .integer(now)])
        }
    }

    /// Releases leases held by consumers that no longer exist: a process that died (kill -9 mid-batch),
    /// or an earlier runtime in this process. Their messages are delivered again (at-least-once).
    func releaseAbandonedLeases(queue: String, currentOwner: String) async throws {
        let owners = try database.read { db in
            try db.query("SELECT DISTINCT lease_owner FROM messages WHERE queue = ? AND lease_owner IS NOT NULL", [.text(queue)]).compactMap { $0.first?.string }
        }
        let myPID = getpid()
        let abandoned = owners.filter { owner in
            guard owner != currentOwner else { return false }
            guard let pid = owner.split(separator: ":").first.flatMap({ Int32($0) }) else { return true }
            if pid == myPID { return true }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        guard !abandoned.isEmpty else { return }
        try await database.write { db in
            try db.transaction {
                for owner in abandoned {
                    try db.run("UPDATE messages SET lease_expires = NULL, lease_owner = NULL WHERE queue = ? AND lease_owner = ?", [.text(queue), .text(owner)])
                }
            }
        }
    }

    // MARK: inspecting

    /// Message counts for `queue` at the runtime clock's now.
    public func counts(queue: String) throws -> QueueCounts {
        let now = clock.nowMilliseconds()
        return try database.read { db in
            let row = try db.query("""
                SELECT
                    coalesce(sum(lease_expires IS NULL AND visible_at <= ?1), 0),
                    coalesce(sum(lease_expires IS NOT NULL), 0),
                    coalesce(sum(lease_expires IS NULL AND visible_at > ?1), 0)
                FROM messages WHERE queue = ?2
                """, [.integer(now), .text(queue)]).first ?? []
            let dead = try db.query("SELECT dead_lettered FROM queue_stats WHERE queue = ?", [.text(queue)]).first?.first?.int ?? 0
            return QueueCounts(
                name: queue, depth: row.first?.int ?? 0, inFlight: row.count > 1 ? row[1].int ?? 0 : 0,
                delayed: row.count > 2 ? row[2].int ?? 0 : 0, deadLettered: dead
            )
        }
    }

    /// Every queue that holds messages or has dead-lettered some.
    public func knownQueues() throws -> [String] {
        try database.read { db in
            let a = try db.query("SELECT DISTINCT queue FROM messages").compactMap { $0.first?.string }
            let b = try db.query("SELECT queue FROM queue_stats").compactMap { $0.first?.string }
            return Array(Set(a + b)).sorted()
        }
    }

    /// The ids of the messages in `queue`, oldest first (tests and tools).
    public func messageIDs(queue: String) throws -> [String] {
        try database.read { db in
            try db.query("SELECT id FROM messages WHERE queue = ? ORDER BY seq", [.text(queue)]).compactMap { $0.first?.string }
        }
    }

    /// Deletes every message of `queue`, in flight or not; returns how many.
    @discardableResult
    public func purge(queue: String) async throws -> Int {
        try await database.write { db in
            try db.run("DELETE FROM messages WHERE queue = ?", [.text(queue)])
            return db.changes
        }
    }
}

/// A message as stored, handed to a consumer.
struct QueuedMessage: Sendable, Hashable {
    var seq: Int64
    var id: String
    var body: [UInt8]
    var contentType: QueueContentType
    /// Milliseconds since the epoch when it was sent.
    var timestamp: Int64
    /// Deliveries so far, this one included.
    var attempts: Int
}

/// What `outpost queues list` reports for one queue.
public struct QueueCounts: Sendable, Codable, Equatable {
    public var name: String
    /// Ready to deliver now.
    public var depth: Int
    /// Leased to a consumer.
    public var inFlight: Int
    /// Waiting for their delay (or retry delay) to pass.
    public var delayed: Int
    /// Moved to the dead-letter queue, or dropped, after max_retries.
    public var deadLettered: Int

    public init(name: String, depth: Int, inFlight: Int, delayed: Int, deadLettered: Int) {
        self.name = name
        self.depth = depth
        self.inFlight = inFlight
        self.delayed = delayed
        self.deadLettered = deadLettered
    }
}
