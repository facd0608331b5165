import Foundation

/// The state directory's index of Durable Objects (`do/index.sqlite`): each namespace's secret
/// key, the names given to `idFromName`, and every pending alarm.
///
/// The alarm rows are the scheduler's index; the object's own file holds the authoritative
/// alarm. The index is written first, so a crash can leave an extra row (dropped when it fires
/// and the object has no alarm) but never lose an alarm.
final class ObjectDirectory: Sendable {
    let database: SQLiteDatabase
    let root: String

    /// Opens (creating) `<stateDirectory>/do/index.sqlite`.
    init(stateDirectory: String) throws {
        root = stateDirectory + "/do"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        database = try SQLiteDatabase(path: root + "/index.sqlite", synchronous: .normal) { db in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS namespaces (class TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS names (class TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (class, id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS alarms (class TEXT NOT NULL, id TEXT NOT NULL, time INTEGER NOT NULL, retry INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (class, id)) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS alarms_time ON alarms (time);
                """)
        }
    }

    /// The directory holding the objects of `className`.
    func classDirectory(_ className: String) -> String { root + "/" + className }

    /// The namespace key of `className`, created (durably) on first use; every process sharing
    /// the state directory reads the same key, so `idFromName` agrees across them.
    func namespaceKey(className: String) throws -> [UInt8] {
        try database.writeSync { db in
            if let key = try db.query("SELECT key FROM namespaces WHERE class = ?", [.text(className)]).first?.first?.bytes {
                return key
            }
            var rng = SystemRandomNumberGenerator()
            let fresh = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try db.execute("PRAGMA synchronous = FULL")
            defer { try? db.execute("PRAGMA synchronous = NORMAL") }
            try db.run("INSERT OR IGNORE INTO namespaces (class, key) VALUES (?, ?)", [.text(className), .blob(fresh)])
            return try db.query("SELECT key FROM namespaces WHERE class = ?", [.text(className)]).first?.first?.bytes ?? fresh
        }
    }

    func recordName(className: String, id: String, name: String) throws {
        try database.writeSync { db in
            try db.run("INSERT OR IGNORE INTO names (class, id, name) VALUES (?, ?, ?)", [.text(className), .text(id), .text(name)])
        }
    }

    func names(className: String) throws -> [String: String] {
        try database.read { db in
            var out: [String: String] = [:]
            for row in try db.query("SELECT id, name FROM names WHERE class = ?", [.text(className)]) {
                out[row[0].string ?? ""] = row[1].string
            }
            return out
        }
    }

    func id(className: String, name: String) throws -> String? {
        try database.read { db in
            try db.query("SELECT id FROM names WHERE class = ? AND name = ?", [.text(className), .text(name)]).first?.first?.string
        }
    }

    // MARK: alarms

    struct AlarmEntry: Sendable, Equatable {
        var className: String
        var id: String
        /// Milliseconds since the epoch.
        var time: Int64
        var retry: Int
    }

    func setAlarm(className: String, id: String, time: Int64, retry: Int = 0) throws {
        try database.writeSync { db in
            try db.run(
                "INSERT OR REPLACE INTO alarms (class, id, time, retry) VALUES (?, ?, ?, ?)",
                [.text(className), .text(id), .integer(time), .integer(Int64(retry))]
            )
        }
    }

    func deleteAlarm(className: String, id: String) throws {
        try database.writeSync { db in
            try db.run("DELETE FROM alarms WHERE class = ? AND id = ?", [.text(className), .text(id)])
        }
    }

    func alarm(className: String, id: String) throws -> AlarmEntry? {
        try database.read { db in
            try db.query("SELECT time, retry FROM alarms WHERE class = ? AND id = ?", [.text(className), .text(id)]).first.map {
                AlarmEntry(className: className, id: id, time: $0[0].int64 ?? 0, retry: $0[1].int ?? 0)
            }
        }
    }

    /// Alarms due at `now` (milliseconds), earliest first.
    func dueAlarms(now: Int64, limit: Int = 256) throws -> [AlarmEntry] {
        try database.read { db in
            try db.query("SELECT class, id, time, retry FROM alarms WHERE time <= ? ORDER BY time LIMIT ?", [.integer(now), .integer(Int64(limit))]).map {
                AlarmEntry(className: $0[0].string ?? "", id: $0[1].string ?? "", time: $0[2].int64 ?? 0, retry: $0[3].int ?? 0)
            }
        }
    }

    /// The earliest alarm time, if any.
    func nextAlarmTime() throws -> Int64? {
        try database.read { db in try db.query("SELECT min(time) FROM alarms").first?.first?.int64 }
    }

    func alarms(className: String) throws -> [String: Int64] {
        try database.read { db in
            var out: [String: Int64] = [:]
            for row in try db.query("SELECT id, time FROM alarms WHERE class = ?", [.text(className)]) {
                out[row[0].string ?? ""] = row[1].int64
            }
            return out
        }
    }
}
