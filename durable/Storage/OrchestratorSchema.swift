import Outpost

/// The orchestrator's tables (`JobStore`, `InstanceLedger`), step by step since the first
/// version. Never edit a step that has shipped: add one.
enum OrchestratorSchema {
    static let migrations = SchemaMigrations(store: "orchestrator", steps: [
        .init(version: 1) { sql in
            _ = try sql.exec("""
                CREATE TABLE IF NOT EXISTS jobs (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    type TEXT NOT NULL,
                    status TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    progress REAL NOT NULL DEFAULT 0,
                    stage TEXT,
                    created_at INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    not_before INTEGER NOT NULL,
                    params TEXT NOT NULL,
                    input_key TEXT,
                    result TEXT,
                    error_code TEXT,
                    error_message TEXT,
                    outputs TEXT NOT NULL DEFAULT '[]',
                    webhook_url TEXT,
                    instance TEXT
                );
                CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, priority, seq);
                CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, seq);
                CREATE TABLE IF NOT EXISTS instances (
                    id TEXT PRIMARY KEY,
                    class TEXT NOT NULL,
                    name TEXT NOT NULL,
                    started_at INTEGER,
                    pid INTEGER,
                    starts INTEGER NOT NULL DEFAULT 0,
                    seconds REAL NOT NULL DEFAULT 0,
                    last_exit_code INTEGER,
                    last_stopped_at INTEGER
                );
                CREATE TABLE IF NOT EXISTS costs (
                    class TEXT PRIMARY KEY,
                    instance_seconds REAL NOT NULL DEFAULT 0
                );
                CREATE TABLE IF NOT EXISTS scaling_events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    class TEXT NOT NULL,
                    action TEXT NOT NULL,
                    instances INTEGER NOT NULL,
                    reason TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS metrics (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL DEFAULT 0
                );
                """)
        },
        // Terminal jobs whose webhook or dead letter is not yet with the scheduler.
        .init(version: 2) { sql in
            try SchemaMigrations.addColumn(sql, table: "jobs", "handoff INTEGER NOT NULL DEFAULT 0")
            _ = try sql.exec("CREATE INDEX IF NOT EXISTS jobs_handoff ON jobs (handoff) WHERE handoff = 1")
        },
        // Queued jobs by release time: whether any is ready, and the next delayed one, in one
        // probe each instead of a walk past every delayed job (`JobStore.ready`, `nextDelayed`).
        .init(version: 3) { sql in
            _ = try sql.exec("CREATE INDEX IF NOT EXISTS jobs_release ON jobs (status, not_before)")
        },
        // The submitting caller's role (NULL for jobs stored before it was recorded).
        .init(version: 4) { sql in
            try SchemaMigrations.addColumn(sql, table: "jobs", "owner_role TEXT")
        },
        // The stream a job's outputs form (`StreamOutputs`: its name or its id), found by name
        // for playback and for the one-stream-per-name check at submit. NULL for other jobs and
        // for streams stored before (found by their job id).
        .init(version: 5) { sql in
            try SchemaMigrations.addColumn(sql, table: "jobs", "stream TEXT")
            _ = try sql.exec("CREATE INDEX IF NOT EXISTS jobs_stream ON jobs (stream) WHERE stream IS NOT NULL")
        },
    ])
}
