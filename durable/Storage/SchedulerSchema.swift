import Outpost

/// The scheduler's tables (timers and webhook deliveries), step by step since the first version.
enum SchedulerSchema {
    static let migrations = SchemaMigrations(store: "scheduler", steps: [
        .init(version: 1) { sql in
            _ = try sql.exec("""
                CREATE TABLE IF NOT EXISTS timers (
                    key TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    job_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    due_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
                CREATE TABLE IF NOT EXISTS webhooks (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    event TEXT NOT NULL,
                    body BLOB NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_at INTEGER NOT NULL,
                    last_error TEXT,
                    delivered_at INTEGER
                );
                CREATE INDEX IF NOT EXISTS webhooks_due ON webhooks (status, next_at);
                """)
        },
        // One delivery per job and event: a repeated hand-off is ignored.
        .init(version: 2) { sql in
            _ = try sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS webhooks_job ON webhooks (job_id, event)")
        },
    ])
}
