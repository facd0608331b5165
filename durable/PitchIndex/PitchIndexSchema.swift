import Outpost

/// The pitch index's table: one row per analyzed pitch, its embedding a BLOB of 384 little-endian
/// `Float32`s.
enum PitchIndexSchema {
    static let migrations = SchemaMigrations(store: "pitch-index", steps: [
        .init(version: 1) { sql in
            _ = try sql.exec("""
                CREATE TABLE IF NOT EXISTS pitches (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    vector BLOB NOT NULL
                );
                CREATE INDEX IF NOT EXISTS pitches_owner ON pitches (owner, seq);
                """)
        },
    ])
}
