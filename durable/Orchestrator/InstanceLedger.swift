import Outpost

/// The orchestrator's record of container instances: which it used, when each ran, its cost per
/// class and the scaling decisions (schema: `OrchestratorSchema`). Every call is synchronous and
/// part of the current event's transaction.
struct InstanceLedger: Sendable {
    let sql: SqlStorage

    func recordInstanceUse(id: String, className: String, name: String) throws {
        _ = try sql.exec("INSERT OR IGNORE INTO instances (id, class, name) VALUES (?, ?, ?)", .text(id), .text(className), .text(name))
    }

    func instanceStarted(id: String, pid: Int32?, at now: Int64) throws {
        _ = try sql.exec("UPDATE instances SET started_at = ?, pid = ?, starts = starts + 1 WHERE id = ?",
                         .integer(now), pid.map { .integer(Int64($0)) } ?? .null, .text(id))
    }

    /// Closes the instance's running period and adds it to its class's cost.
    func instanceStopped(id: String, exitCode: Int32, at now: Int64) throws -> (className: String, name: String, seconds: Double)? {
        guard let row = try sql.exec("SELECT class, name, started_at FROM instances WHERE id = ?", .text(id)).toArray().first,
              let className = row["class"]?.string, let name = row["name"]?.string else { return nil }
        let seconds = row["started_at"]?.int64.map { max(0, Double(now - $0) / 1000) } ?? 0
        _ = try sql.exec("UPDATE instances SET started_at = NULL, pid = NULL, seconds = seconds + ?, last_exit_code = ?, last_stopped_at = ? WHERE id = ?",
                         .real(seconds), .integer(Int64(exitCode)), .integer(now), .text(id))
        _ = try sql.exec("INSERT INTO costs (class, instance_seconds) VALUES (?, ?) ON CONFLICT (class) DO UPDATE SET instance_seconds = instance_seconds + excluded.instance_seconds",
                         .text(className), .real(seconds))
        return (className, name, seconds)
    }

    struct InstanceRow: Sendable {
        var id: String
        var className: String
        var name: String
        var startedAt: Int64?
        var starts: Int
        var seconds: Double
        var lastExitCode: Int?
    }

    func instances() throws -> [InstanceRow] {
        try sql.exec("SELECT * FROM instances ORDER BY class, name").toArray().map { row in
            InstanceRow(id: row["id"]?.string ?? "", className: row["class"]?.string ?? "", name: row["name"]?.string ?? "",
                        startedAt: row["started_at"]?.int64, starts: row["starts"]?.int ?? 0, seconds: row["seconds"]?.double ?? 0,
                        lastExitCode: row["last_exit_code"]?.int)
        }
    }

    func costSeconds() throws -> [String: Double] {
        var out: [String: Double] = [:]
        for row in try sql.exec("SELECT class, instance_seconds FROM costs") {
            if let c = row["class"]?.string { out[c] = row["instance_seconds"]?.double ?? 0 }
        }
        return out
    }

    func recordScaling(className: String, action: String, instances: Int, reason: String, at now: Int64) throws {
        _ = try sql.exec("INSERT INTO scaling_events (at, class, action, instances, reason) VALUES (?, ?, ?, ?, ?)",
                         .integer(now), .text(className), .text(action), .integer(Int64(instances)), .text(reason))
        // Keep the last 1000 decisions.
        _ = try sql.exec("DELETE FROM scaling_events WHERE seq <= (SELECT MAX(seq) FROM scaling_events) - 1000")
    }

    func scalingEvents(limit: Int) throws -> [JSONValue] {
        try sql.exec("SELECT * FROM scaling_events ORDER BY seq DESC LIMIT ?", .integer(Int64(limit))).toArray().map(Self.scalingEvent)
    }

    /// The scaling decisions made in [`from`, `to`), oldest first.
    func scalingEvents(from: Int64?, to: Int64?) throws -> [JSONValue] {
        try sql.exec("SELECT * FROM scaling_events WHERE at >= ? AND at < ? ORDER BY seq", .integer(from ?? Int64.min), .integer(to ?? Int64.max))
            .toArray().map(Self.scalingEvent)
    }

    private static func scalingEvent(_ row: [String: SQLiteValue]) -> JSONValue {
        .object([
            "at": .string(PlatformTime.iso8601(row["at"]?.int64 ?? 0)), "class": .string(row["class"]?.string ?? ""),
            "action": .string(row["action"]?.string ?? ""), "instances": .number(Double(row["instances"]?.int ?? 0)),
            "reason": .string(row["reason"]?.string ?? ""),
        ])
    }
}
