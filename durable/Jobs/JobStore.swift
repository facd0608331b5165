import Outpost
import Foundation

/// The orchestrator's jobs table and its counters, in its SQLite storage (schema:
/// `OrchestratorSchema`). Every call is synchronous and part of the current event's transaction.
struct JobStore: Sendable {
    let sql: SqlStorage

    // MARK: jobs

    func insert(_ job: JobRecord) throws {
        _ = try sql.exec(
            """
            INSERT INTO jobs (id, owner, type, status, priority, attempts, max_attempts, progress, created_at, not_before, params, input_key, webhook_url, owner_role, stream)
            VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(job.id), .text(job.owner), .text(job.type), .text(job.status.rawValue), .integer(Int64(job.priority.rank)),
            .integer(Int64(job.maxAttempts)), .integer(job.createdAt), .integer(job.notBefore),
            .text(JSONValue.object(job.params).serialized()), job.inputKey.map { .text($0) } ?? .null, job.webhookURL.map { .text($0) } ?? .null,
            job.ownerRole.map { .text($0) } ?? .null, job.stream.map { .text($0) } ?? .null
        )
        try count("jobs_submitted")
    }

    func job(_ id: String) throws -> JobRecord? {
        try sql.exec("SELECT \(Self.columns) FROM jobs WHERE id = ?", .text(id)).raw().first.map(Self.record)
    }

    /// The job whose outputs form stream `id`: the one that is queued, running or succeeded (at
    /// most one is), else the newest.
    func stream(_ id: String) throws -> JobRecord? {
        try sql.exec(
            "SELECT \(Self.columns) FROM jobs WHERE stream = ? ORDER BY status IN ('queued', 'running', 'succeeded') DESC, seq DESC LIMIT 1", .text(id)
        ).raw().first.map(Self.record)
    }

    /// Whether a queued, running or succeeded job (one whose outputs are, or will be, stored)
    /// holds stream `id`.
    func streamInUse(_ id: String) throws -> Bool {
        try sql.exec("SELECT 1 FROM jobs WHERE stream = ? AND status IN ('queued', 'running', 'succeeded') LIMIT 1", .text(id)).raw().first != nil
    }

    /// Queued jobs ready at `now`, best first: priority, then age.
    ///
    /// The earliest release (`jobs_release`, one probe) answers "none" when every queued job is
    /// delayed; otherwise the queue is walked in order (`jobs_queue`, named: on `jobs_release` SQLite
    /// would sort the whole backlog of ready jobs on each call). The walk still passes the delayed
    /// jobs queued ahead of the ready ones.
    func ready(now: Int64, limit: Int) throws -> [JobRecord] {
        guard let earliest = try sql.exec("SELECT MIN(not_before) AS t FROM jobs WHERE status = 'queued'").one()["t"]?.int64, earliest <= now else {
            return []
        }
        return try sql.exec("SELECT \(Self.columns) FROM jobs INDEXED BY jobs_queue WHERE status = 'queued' AND not_before <= ? ORDER BY priority, seq LIMIT ?",
                            .integer(now), .integer(Int64(limit)))
            .raw().map(Self.record)
    }

    /// A page of jobs, newest first. `owner` nil lists everyone's.
    func list(owner: String?, status: JobStatus?, type: String?, before cursor: Int64?, limit: Int) throws -> [JobRecord] {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let owner { conditions.append("owner = ?"); values.append(.text(owner)) }
        if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let type { conditions.append("type = ?"); values.append(.text(type)) }
        if let cursor { conditions.append("seq < ?"); values.append(.integer(cursor)) }
        var query = "SELECT \(Self.columns) FROM jobs"
        if !conditions.isEmpty { query += " WHERE " + conditions.joined(separator: " AND ") }
        query += " ORDER BY seq DESC LIMIT ?"
        values.append(.integer(Int64(limit)))
        return try sql.exec(query, bindings: values).raw().map(Self.record)
    }

    /// Jobs created in [`from`, `to`) after job `seq`, oldest first: one page of a period's rows
    /// (`PlatformDataset`), read by seq so each page starts where the last ended.
    func period(from: Int64?, to: Int64?, after seq: Int64, limit: Int) throws -> [JobRecord] {
        try sql.exec("SELECT \(Self.columns) FROM jobs WHERE seq > ? AND created_at >= ? AND created_at < ? ORDER BY seq LIMIT ?",
                     .integer(seq), .integer(from ?? Int64.min), .integer(to ?? Int64.max), .integer(Int64(limit)))
            .raw().map(Self.record)
    }

    func markRunning(_ id: String, attempt: Int, instance: String, at now: Int64) throws {
        _ = try sql.exec(
            "UPDATE jobs SET status = 'running', attempts = ?, instance = ?, started_at = COALESCE(started_at, ?), progress = 0, stage = 'starting' WHERE id = ?",
            .integer(Int64(attempt)), .text(instance), .integer(now), .text(id)
        )
    }

    func succeed(_ id: String, result: JSONValue?, outputs: [JobOutput], at now: Int64) throws {
        let encoded = JSONValue.array(outputs.map(\.stored)).serialized()
        _ = try sql.exec(
            "UPDATE jobs SET status = 'succeeded', progress = 1, stage = 'done', result = ?, outputs = ?, finished_at = ?, error_code = NULL, error_message = NULL WHERE id = ?",
            result.map { .text($0.serialized()) } ?? .null, .text(encoded), .integer(now), .text(id)
        )
        try count("jobs_succeeded")
    }

    /// Sets the outputs stored so far of a running job (published early by its service), or
    /// clears them when its attempt ended without success.
    func setOutputs(_ id: String, _ outputs: [JobOutput]) throws {
        _ = try sql.exec("UPDATE jobs SET outputs = ? WHERE id = ?", .text(JSONValue.array(outputs.map(\.stored)).serialized()), .text(id))
    }

    /// Ends the job with `status` (failed, cancelled, dead_lettered) and keeps `error`.
    func finish(_ id: String, status: JobStatus, error: JobFailure?, at now: Int64) throws {
        _ = try sql.exec(
            "UPDATE jobs SET status = ?, finished_at = ?, error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message) WHERE id = ?",
            .text(status.rawValue), .integer(now), error.map { .text($0.code) } ?? .null, error.map { .text($0.message) } ?? .null, .text(id)
        )
        try count("jobs_" + status.rawValue)
    }

    /// Puts a failed attempt's job back in the queue, not before `notBefore`.
    func requeue(_ id: String, error: JobFailure, notBefore: Int64) throws {
        _ = try sql.exec(
            "UPDATE jobs SET status = 'queued', not_before = ?, error_code = ?, error_message = ?, progress = 0, stage = 'retrying' WHERE id = ?",
            .integer(notBefore), .text(error.code), .text(error.message), .text(id)
        )
        try count("jobs_retried")
    }

    /// After a restart: every job still marked running lost its worker. It goes back to the
    /// queue, and the attempt it was on does not count. Returns how many.
    func requeueInterrupted() throws -> Int {
        let cursor = try sql.exec("UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), stage = 'requeued after restart' WHERE status = 'running'")
        return cursor.rowsWritten
    }

    /// Erasure (GDPR Art. 17): every job of `owner` but `keeping` becomes an anonymous row owned
    /// by `anonymous`. What reports count stays (type, status, priority, attempts, times, instance,
    /// error code); what could say who they were goes (params, input key, result, error message,
    /// outputs, webhook URL, stage, role). Returns how many rows changed.
    func anonymize(owner: String, keeping: String, as anonymous: String) throws -> Int {
        try sql.exec(
            """
            UPDATE jobs SET owner = ?, params = '{}', input_key = NULL, result = NULL, error_message = NULL, outputs = '[]',
                webhook_url = NULL, stage = NULL, owner_role = NULL, stream = NULL
            WHERE owner = ? AND id != ?
            """,
            .text(anonymous), .text(owner), .text(keeping)
        ).rowsWritten
    }

    /// The ids of every job of `owner`.
    func ids(owner: String) throws -> [String] {
        try sql.exec("SELECT id FROM jobs WHERE owner = ?", .text(owner)).raw().compactMap { $0[0].string }
    }

    /// Marks a terminal job whose webhook or dead letter is still to be handed to the scheduler.
    func setHandoffPending(_ id: String) throws {
        _ = try sql.exec("UPDATE jobs SET handoff = 1 WHERE id = ?", .text(id))
    }

    func clearHandoffPending(_ id: String) throws {
        _ = try sql.exec("UPDATE jobs SET handoff = 0 WHERE id = ?", .text(id))
    }

    func pendingHandoffs() throws -> [JobRecord] {
        try sql.exec("SELECT \(Self.columns) FROM jobs WHERE handoff = 1").raw().map(Self.record)
    }

    /// Every queued or running job.
    func unfinished() throws -> [JobRecord] {
        try sql.exec("SELECT \(Self.columns) FROM jobs WHERE status IN ('queued', 'running')").raw().map(Self.record)
    }

    func unfinishedCount() throws -> Int {
        try sql.exec("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')").one()["n"]?.int ?? 0
    }

    /// The earliest `not_before` among queued jobs that are not ready yet.
    func nextDelayed(after now: Int64) throws -> Int64? {
        try sql.exec("SELECT MIN(not_before) AS t FROM jobs WHERE status = 'queued' AND not_before > ?", .integer(now)).one()["t"]?.int64
    }

    /// Queue depth per type and priority, plus running and dead-lettered counts per type.
    func depth() throws -> [(type: String, status: String, priority: Int, count: Int)] {
        try sql.exec("SELECT type, status, priority, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running', 'dead_lettered') GROUP BY type, status, priority")
            .toArray().map { ($0["type"]?.string ?? "", $0["status"]?.string ?? "", $0["priority"]?.int ?? 1, $0["n"]?.int ?? 0) }
    }

    // MARK: metrics

    func count(_ metric: String, by n: Int = 1) throws {
        _ = try sql.exec("INSERT INTO metrics (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                         .text(metric), .integer(Int64(n)))
    }

    func metrics() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try sql.exec("SELECT name, value FROM metrics") {
            if let n = row["name"]?.string { out[n] = row["value"]?.int ?? 0 }
        }
        return out
    }

    // MARK: decoding

    /// The columns `record` reads, in its order (named, so a table created by an older version
    /// with the same columns in another order reads the same).
    static let columns = "seq, id, owner, type, status, priority, attempts, max_attempts, progress, stage, created_at, started_at, "
        + "finished_at, not_before, params, input_key, result, error_code, error_message, outputs, webhook_url, instance, owner_role, stream"

    /// A job from a row of `columns`.
    static func record(_ row: [SQLiteValue]) -> JobRecord {
        let params = row[14].string.flatMap { try? JSONValue.parse($0) }?.objectValue ?? [:]
        let outputs = row[19].string.flatMap { try? JSONValue.parse($0) }?.arrayValue?.compactMap(JobOutput.init(stored:)) ?? []
        let error = row[17].string.map { JobFailure(code: $0, message: row[18].string ?? "") }
        return JobRecord(
            seq: row[0].int64 ?? 0, id: row[1].string ?? "", owner: row[2].string ?? "", type: row[3].string ?? "",
            status: JobStatus(rawValue: row[4].string ?? "") ?? .failed, priority: JobPriority(rank: row[5].int ?? 1) ?? .normal,
            attempts: row[6].int ?? 0, maxAttempts: row[7].int ?? 3, progress: row[8].double ?? 0,
            stage: row[9].string, createdAt: row[10].int64 ?? 0, startedAt: row[11].int64,
            finishedAt: row[12].int64, notBefore: row[13].int64 ?? 0, params: params,
            inputKey: row[15].string, resultText: row[16].string,
            error: error, outputs: outputs, webhookURL: row[20].string, instance: row[21].string,
            ownerRole: row.count > 22 ? row[22].string : nil, stream: row.count > 23 ? row[23].string : nil
        )
    }
}
