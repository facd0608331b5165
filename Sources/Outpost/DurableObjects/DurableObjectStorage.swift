import CSQLite
public import Foundation

/// The storage of one SQLite-backed Durable Object (`state.storage`): SQL, key-value, alarm.
///
/// Every call is synchronous and runs inside the event's implicit transaction; the runtime
/// commits it when the event ends and holds the response until it is durable.
/// Key-value entries live in the `_cf_KV` table, keyed by the UTF-8 bytes of the key, so
/// `list` returns keys in byte order. Values are JSON (`put(_:_:)`) or raw bytes (`put(_:bytes:)`).
public final class DurableObjectStorage: Sendable {
    /// The SQL API.
    public let sql: SqlStorage
    let database: ObjectDatabase
    let className: String
    let objectID: String
    let directory: ObjectDirectory
    let clock: RuntimeClock
    let onAlarmChange: @Sendable () -> Void

    init(database: ObjectDatabase, className: String, objectID: String, directory: ObjectDirectory, clock: RuntimeClock, onAlarmChange: @escaping @Sendable () -> Void) {
        self.database = database
        self.sql = SqlStorage(database: database)
        self.className = className
        self.objectID = objectID
        self.directory = directory
        self.clock = clock
        self.onAlarmChange = onAlarmChange
    }

    // MARK: get

    /// The value of `key` decoded from JSON, or nil.
    public func get<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let bytes = try getBytes(key) else { return nil }
        return try decode(bytes, key: key)
    }

    /// The raw bytes stored under `key`, or nil.
    public func getBytes(_ key: String) throws -> [UInt8]? {
        try Self.validate(key: key)
        return try database.withConnection { conn in
            let stmt = try conn.cached("SELECT value FROM _cf_KV WHERE key = ?")
            try stmt.bind([.blob(Array(key.utf8))])
            defer { stmt.reset() }
            return try stmt.step() ? stmt.bytes(at: 0) ?? [] : nil
        }
    }

    /// The values of up to 128 keys; missing keys are absent from the result.
    public func get<T: Decodable>(_ keys: [String], as type: T.Type = T.self) throws -> [String: T] {
        guard keys.count <= DurableObjectLimits.maxBatchKeys else { throw DurableObjectError.tooManyKeys(keys.count) }
        var out: [String: T] = [:]
        for key in keys {
            if let v = try get(key, as: T.self) { out[key] = v }
        }
        return out
    }

    // MARK: put / delete

    /// Stores `value` as JSON under `key`.
    public func put<T: Encodable>(_ key: String, _ value: T) throws {
        try put(key, bytes: try encode(value))
    }

    /// Stores raw bytes under `key`.
    public func put(_ key: String, bytes value: [UInt8]) throws {
        try Self.validate(key: key)
        let size = key.utf8.count + value.count
        guard size <= DurableObjectLimits.maxKeyValueBytes else { throw DurableObjectError.valueTooLarge(size) }
        try database.withConnection { conn in
            try conn.run("INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", [.blob(Array(key.utf8)), .blob(value)])
        }
    }

    /// Stores up to 128 entries atomically.
    public func put<T: Encodable>(_ entries: [String: T]) throws {
        guard entries.count <= DurableObjectLimits.maxBatchKeys else { throw DurableObjectError.tooManyKeys(entries.count) }
        let encoded = try entries.map { ($0.key, try encode($0.value)) }
        try transactionSync {
            for (k, v) in encoded { try put(k, bytes: v) }
        }
    }

    /// Deletes `key`; true when it existed.
    @discardableResult
    public func delete(_ key: String) throws -> Bool {
        try Self.validate(key: key)
        return try database.withConnection { conn in
            try conn.run("DELETE FROM _cf_KV WHERE key = ?", [.blob(Array(key.utf8))])
            return conn.changes > 0
        }
    }

    /// Deletes up to 128 keys; returns how many existed.
    @discardableResult
    public func delete(_ keys: [String]) throws -> Int {
        guard keys.count <= DurableObjectLimits.maxBatchKeys else { throw DurableObjectError.tooManyKeys(keys.count) }
        return try transactionSync { try keys.reduce(0) { $0 + (try delete($1) ? 1 : 0) } }
    }

    // MARK: list

    /// Entries in UTF-8 byte order of their keys, decoded from JSON.
    public func list<T: Decodable>(_ options: DurableObjectListOptions = .init(), as type: T.Type = T.self) throws -> [(key: String, value: T)] {
        try listBytes(options).map { ($0.key, try decode($0.value, key: $0.key)) }
    }

    /// Entries in UTF-8 byte order of their keys, as raw bytes.
    public func listBytes(_ options: DurableObjectListOptions = .init()) throws -> [(key: String, value: [UInt8])] {
        if let limit = options.limit, limit < 1 {
            throw DurableObjectError(.invalidArgument, "list() limit must be a positive integer, got \(limit).")
        }
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let start = options.start {
            conditions.append("key >= ?")
            values.append(.blob(Array(start.utf8)))
        }
        if let after = options.startAfter {
            conditions.append("key > ?")
            values.append(.blob(Array(after.utf8)))
        }
        if let end = options.end {
            conditions.append("key < ?")
            values.append(.blob(Array(end.utf8)))
        }
        if let prefix = options.prefix, !prefix.isEmpty {
            conditions.append("key >= ?")
            values.append(.blob(Array(prefix.utf8)))
            if let upper = KeyOrder.successor(of: Array(prefix.utf8)) {
                conditions.append("key < ?")
                values.append(.blob(upper))
            }
        }
        var query = "SELECT key, value FROM _cf_KV"
        if !conditions.isEmpty { query += " WHERE " + conditions.joined(separator: " AND ") }
        query += options.reverse ? " ORDER BY key DESC" : " ORDER BY key"
        if let limit = options.limit { query += " LIMIT \(limit)" }
        return try database.withConnection { conn in
            try conn.query(query, values).map { row in
                (String(decoding: row[0].bytes ?? [], as: UTF8.self), row[1].bytes ?? [])
            }
        }
    }


    // MARK: transactions

    /// Runs `body` atomically: its writes are rolled back if it throws.
    public func transactionSync<T>(_ body: () throws -> T) throws -> T {
        let name = try database.withConnection { conn -> String in
            database.savepointDepth += 1
            let name = "_cf_sp\(database.savepointDepth)"
            try conn.execute("SAVEPOINT \(name)")
            return name
        }
        do {
            let result = try body()
            try database.withConnection { conn in
                try conn.execute("RELEASE \(name)")
                database.savepointDepth -= 1
            }
            return result
        } catch {
            try? database.withConnection { conn in
                try conn.execute("ROLLBACK TO \(name); RELEASE \(name)")
                database.savepointDepth -= 1
            }
            throw error
        }
    }

    /// Deletes every SQL table, every key-value entry and the alarm.
    public func deleteAll() throws {
        try database.withConnection { conn in
            let tables = try conn.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
            for row in tables {
                if let name = row.first?.string {
                    try conn.execute("DROP TABLE IF EXISTS \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
                }
            }
            try conn.run("DELETE FROM _cf_KV")
        }
        try deleteAlarm()
    }

    // MARK: alarm

    /// The alarm time in milliseconds since the epoch, or nil (always nil inside the alarm handler
    /// until it sets a new one).
    public func getAlarm() throws -> Int64? {
        try database.withConnection { conn in
            if database.alarmRunning && !database.alarmChangedDuringHandler { return nil }
            return try conn.query("SELECT value FROM _cf_METADATA WHERE key = 'alarm'").first?.first?.int64
        }
    }

    /// Sets the alarm (replacing any) to `scheduledTime` milliseconds since the epoch; a past time fires at once.
    public func setAlarm(_ scheduledTime: Int64) throws {
        try directory.setAlarm(className: className, id: objectID, time: scheduledTime)
        try database.withConnection { conn in
            try conn.run("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES ('alarm', ?)", [.integer(scheduledTime)])
            if database.alarmRunning { database.alarmChangedDuringHandler = true }
        }
        onAlarmChange()
    }

    /// Sets the alarm to `date`.
    public func setAlarm(_ date: Date) throws {
        try setAlarm(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Sets the alarm `seconds` from now on the runtime clock.
    public func setAlarm(afterSeconds seconds: Double) throws {
        try setAlarm(clock.nowMilliseconds() + Int64(seconds * 1000))
    }

    /// Removes the alarm.
    public func deleteAlarm() throws {
        try database.withConnection { conn in
            try conn.run("DELETE FROM _cf_METADATA WHERE key = 'alarm'")
            if database.alarmRunning { database.alarmChangedDuringHandler = true }
        }
        try directory.deleteAlarm(className: className, id: objectID)
    }

    /// Schedules a retry of a throwing alarm.
    func setAlarmForRetry(_ time: Int64, retry: Int) throws {
        try directory.setAlarm(className: className, id: objectID, time: time, retry: retry)
        try database.withConnection { conn in
            try conn.run("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES ('alarm', ?)", [.integer(time)])
        }
    }

    /// The stored alarm, ignoring whether the handler runs (for the scheduler).
    func storedAlarm() throws -> Int64? {
        try database.withConnection { conn in
            try conn.query("SELECT value FROM _cf_METADATA WHERE key = 'alarm'").first?.first?.int64
        }
    }

    func alarmHandlerStarted() {
        database.withLock {
            database.alarmRunning = true
            database.alarmChangedDuringHandler = false
        }
    }

    /// Ends the alarm handler; true when it set or deleted the alarm itself.
    func alarmHandlerEnded() -> Bool {
        database.withLock {
            database.alarmRunning = false
            return database.alarmChangedDuringHandler
        }
    }

    /// Commits the writes made so far and returns once they are on disk (Cloudflare's
    /// `storage.sync()`): for acknowledging something outside the object — a notification, a
    /// message to another system — before the current event ends.
    public func sync() async throws {
        try await database.waitDurable(database.commitPending())
    }

    /// Runs `action` once every write made so far — this event's included, when it commits — is
    /// on disk: the moment the output gate opens, for messages the object sends on its own (an
    /// Outpost addition; `await sync()` does the same from a task of its own, which costs a trip
    /// back into the object). Runs at once when everything is already durable, else on the task
    /// that finished the sync: keep it short and non-blocking (yield to a stream, resume a
    /// continuation, start a task). If storage closes first, it never runs.
    public func afterDurable(_ action: @escaping @Sendable () -> Void) {
        database.afterDurable(action)
    }

    /// Ends an event: commits its implicit transaction; returns the commit to wait for.
    func endEvent() -> UInt64 { database.endEvent() }

    // MARK: helpers

    static func validate(key: String) throws {
        let n = key.utf8.count
        guard n <= DurableObjectLimits.maxKeyBytes else { throw DurableObjectError.keyTooLarge(n) }
    }

    private func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let bytes = value as? [UInt8] { return bytes }
        do {
            return Array(try JSONCoding.encoder.encode(value))
        } catch {
            throw DurableObjectError(.invalidArgument, "Value cannot be encoded as JSON: \(error)")
        }
    }

    private func decode<T: Decodable>(_ bytes: [UInt8], key: String) throws -> T {
        if T.self == [UInt8].self, let b = bytes as? T { return b }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw DurableObjectError(.invalidArgument, "The value stored under \"\(key)\" is not a JSON \(T.self).", cause: "\(error)")
        }
    }
}

/// Options for `storage.list`.
public struct DurableObjectListOptions: Sendable {
    /// First key to include.
    public var start: String?
    /// Include keys strictly after this one.
    public var startAfter: String?
    /// Stop before this key (exclusive).
    public var end: String?
    public var prefix: String?
    /// Descending order.
    public var reverse: Bool
    public var limit: Int?

    public init(start: String? = nil, startAfter: String? = nil, end: String? = nil, prefix: String? = nil, reverse: Bool = false, limit: Int? = nil) {
        self.start = start
        self.startAfter = startAfter
        self.end = end
        self.prefix = prefix
        self.reverse = reverse
        self.limit = limit
    }
}
