import Foundation

/// The SQLite file behind every KV namespace of a state directory (`kv.sqlite`).
///
/// Rows are keyed by (namespace id, key); keys are TEXT compared with memcmp, so lists come
/// back in UTF-8 byte order as in Workers KV.
public final class KVStore: Sendable {
    let database: SQLiteDatabase
    let clock: RuntimeClock
    let metrics: Metrics

    public init(stateDirectory: String, clock: RuntimeClock, metrics: Metrics = Metrics()) throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        self.clock = clock
        self.metrics = metrics
        self.database = try SQLiteDatabase(path: stateDirectory + "/kv.sqlite", onWrite: metrics.storageWriteObserver("kv")) { db in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS kv (
                    namespace TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value BLOB NOT NULL,
                    expiration INTEGER,
                    metadata TEXT,
                    PRIMARY KEY (namespace, key)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS kv_expiration ON kv (expiration) WHERE expiration IS NOT NULL;
                """)
        }
        try purgeExpired()
    }

    /// The namespace with id `id`.
    public func namespace(id: String) -> KVNamespace {
        KVNamespace(store: self, namespaceID: id)
    }

    /// Deletes rows whose expiration has passed (reads already hide them).
    public func purgeExpired() throws {
        let now = Int64(clock.now())
        try database.writeSync { db in
            try db.run("DELETE FROM kv WHERE expiration IS NOT NULL AND expiration <= ?", [.integer(now)])
        }
    }
}
