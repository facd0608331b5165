public import Outpost
import Foundation

/// The platform's clock, a Durable Object: it owns every timed step of a job's life (delayed
/// starts, retry backoff, attempt timeouts) and webhook delivery, each kept in its SQLite
/// storage and driven by its one alarm, so all of them survive a restart.
///
/// The orchestrator registers timers; when one is due the scheduler calls back into the
/// orchestrator (`wake`, `attemptTimedOut`). Webhooks are POSTed with an HMAC signature and
/// retried with exponential backoff (1 s, 2 s, 4 s … at most 60 s) up to `WEBHOOK_MAX_ATTEMPTS`.
public actor JobScheduler: DurableObject {
    let state: DurableObjectState
    let env: Env
    let settings: PlatformSettings
    private var sql: SqlStorage { state.storage.sql }
    /// Between webhook deliveries: 1 s, 2 s, 4 s … at most 60 s.
    static let webhookBackoff = Backoff(base: 1, cap: 60)

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        settings = PlatformSettings(env: env)
        try SchedulerSchema.migrations.migrate(state.storage.sql)
    }

    // MARK: API for the orchestrator

    /// Registers `timer`, replacing the job's timer of the same kind.
    public func schedule(_ timer: JobTimer) throws {
        try apply([.set(timer)])
    }

    /// Registers and cancels timers in one event.
    public func apply(_ changes: [JobTimer.Change]) throws {
        for change in changes {
            switch change {
            case .set(let timer):
                _ = try sql.exec("INSERT OR REPLACE INTO timers (key, kind, job_id, attempt, due_at) VALUES (?, ?, ?, ?, ?)",
                                 .text(timer.key), .text(timer.kind.rawValue), .text(timer.jobId), .integer(Int64(timer.attempt)), .integer(timer.dueAt))
            case .cancel:
                _ = try sql.exec("DELETE FROM timers WHERE key = ?", .text(change.key))
            }
        }
        try rearm()
    }

    /// The job reached a terminal status: its timers go, its webhook (if any) is queued, and a
    /// dead-lettered job is also sent to its service's dead-letter queue (`VIDEO_JOBS_DLQ`, …) when
    /// bound (at least once: a hand-off repeated after a crash may send it again).
    public func jobEnded(jobId: String, type: String, webhookURL: String?, event: String, body: [UInt8]) async throws {
        if event == "job." + JobStatus.deadLettered.rawValue {
            let binding = (type.split(separator: ".").first.map(String.init) ?? type).uppercased() + "_JOBS_DLQ"
            if let queue = try? env.queue(binding), let job = try? JSONValue.parse(body) {
                _ = try await queue.send(job)
            }
        }
        _ = try sql.exec("DELETE FROM timers WHERE job_id = ?", .text(jobId))
        if let webhookURL {
            // Idempotent: a hand-off repeated after a restart queues nothing new.
            _ = try sql.exec("INSERT OR IGNORE INTO webhooks (job_id, url, event, body, next_at) VALUES (?, ?, ?, ?, ?)",
                             .text(jobId), .text(webhookURL), .text(event), .blob(body), .integer(PlatformTime.now()))
        }
        try rearm()
    }

    /// The webhook deliveries of a job: status (pending, delivered, failed), attempts, last error.
    public func webhookDeliveries(jobId: String) throws -> [JSONValue] {
        try sql.exec("SELECT status, attempts, last_error, event FROM webhooks WHERE job_id = ? ORDER BY seq", .text(jobId)).toArray().map { row in
            .object([
                "status": .string(row["status"]?.string ?? ""), "attempts": .number(Double(row["attempts"]?.int ?? 0)),
                "lastError": row["last_error"]?.string.map(JSONValue.string) ?? .null, "event": .string(row["event"]?.string ?? ""),
            ])
        }
    }

    /// Timers waiting, by kind (for operations).
    public func pendingTimers() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try sql.exec("SELECT kind, COUNT(*) AS n FROM timers GROUP BY kind") {
            out[row["kind"]?.string ?? ""] = row["n"]?.int ?? 0
        }
        return out
    }

    // MARK: alarm

    public func alarm(_ info: AlarmInvocationInfo) async throws {
        try await fireDueTimers()
        await deliverDueWebhooks()
        try rearm()
    }

    private func fireDueTimers() async throws {
        let due = try sql.exec("SELECT * FROM timers WHERE due_at <= ? ORDER BY due_at", .integer(PlatformTime.now())).toArray()
        guard !due.isEmpty else { return }
        let orchestrator = try PlatformBindings.orchestrator(env)
        for row in due {
            guard let key = row["key"]?.string, let jobId = row["job_id"]?.string, let kind = row["kind"]?.string.flatMap(JobTimer.Kind.init) else { continue }
            let attempt = row["attempt"]?.int ?? 0
            let dueAt = row["due_at"]?.int64 ?? 0
            do {
                switch kind {
                case .release:
                    try await orchestrator.call(ContainerOrchestrator.self) { try await $0.wake() }
                case .timeout:
                    try await orchestrator.call(ContainerOrchestrator.self) { try await $0.attemptTimedOut(id: jobId, attempt: attempt) }
                }
                // Only if it was not re-registered meanwhile.
                _ = try sql.exec("DELETE FROM timers WHERE key = ? AND due_at = ?", .text(key), .integer(dueAt))
            } catch {
                _ = try sql.exec("UPDATE timers SET due_at = ? WHERE key = ? AND due_at = ?", .integer(PlatformTime.now() + 1000), .text(key), .integer(dueAt))
            }
        }
    }

    private func deliverDueWebhooks() async {
        guard let due = try? sql.exec("SELECT seq, url, event, body, attempts FROM webhooks WHERE status = 'pending' AND next_at <= ? ORDER BY seq LIMIT 100",
                                      .integer(PlatformTime.now())).toArray() else { return }
        for row in due {
            guard let seq = row["seq"]?.int64, let url = row["url"]?.string, let body = row["body"]?.bytes else { continue }
            let attempts = (row["attempts"]?.int ?? 0) + 1
            var headers = ["X-Outpost-Event": row["event"]?.string ?? "job", "X-Outpost-Delivery": String(seq)]
            if let secret = settings.webhookSecret { headers[WebhookSignature.header] = WebhookSignature.sign(body, secret: secret) }
            let failure = await WebhookDelivery.post(body, to: url, headers: headers)
            let now = PlatformTime.now()
            if failure == nil {
                _ = try? sql.exec("UPDATE webhooks SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE seq = ?",
                                  .integer(Int64(attempts)), .integer(now), .integer(seq))
            } else if attempts >= settings.webhookMaxAttempts {
                _ = try? sql.exec("UPDATE webhooks SET status = 'failed', attempts = ?, last_error = ? WHERE seq = ?",
                                  .integer(Int64(attempts)), .text(failure ?? ""), .integer(seq))
            } else {
                let delay = Self.webhookBackoff.milliseconds(afterAttempt: attempts)
                _ = try? sql.exec("UPDATE webhooks SET attempts = ?, next_at = ?, last_error = ? WHERE seq = ?",
                                  .integer(Int64(attempts)), .integer(now + delay), .text(failure ?? ""), .integer(seq))
            }
        }
    }

    /// Points the alarm at the earliest timer or pending delivery (or clears it).
    private func rearm() throws {
        let timer = try sql.exec("SELECT MIN(due_at) AS t FROM timers").one()["t"]?.int64
        let webhook = try sql.exec("SELECT MIN(next_at) AS t FROM webhooks WHERE status = 'pending'").one()["t"]?.int64
        guard let next = [timer, webhook].compactMap({ $0 }).min() else {
            if try state.storage.getAlarm() != nil { try state.storage.deleteAlarm() }
            return
        }
        if try state.storage.getAlarm() != next { try state.storage.setAlarm(next) }
    }
}
