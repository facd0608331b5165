import Outpost

/// Numbered schema steps for the tables an object keeps in its own SQLite storage, so a store
/// written by any earlier version opens and upgrades (GRDB's `DatabaseMigrator` model).
///
/// Applied steps are recorded in `schema_migrations` (one row per store and step), each step in
/// the same transaction as its record. Stores made before this table existed hold the first
/// schema's tables already: steps are written so they also apply cleanly there (`IF NOT EXISTS`,
/// and `addColumn`, which tolerates a column that is already there).
struct SchemaMigrations: Sendable {
    struct Step: Sendable {
        let version: Int
        let apply: @Sendable (SqlStorage) throws -> Void
    }

    /// The store's name in `schema_migrations` (several stores may share one database).
    let store: String
    let steps: [Step]

    /// Applies the steps not yet recorded, in order; returns the versions applied.
    @discardableResult
    func migrate(_ sql: SqlStorage) throws -> [Int] {
        _ = try sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (store TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (store, version))")
        let done = Set(try sql.exec("SELECT version FROM schema_migrations WHERE store = ?", .text(store)).toArray().compactMap { $0["version"]?.int })
        var applied: [Int] = []
        for step in steps.sorted(by: { $0.version < $1.version }) where !done.contains(step.version) {
            try step.apply(sql)
            _ = try sql.exec("INSERT INTO schema_migrations (store, version) VALUES (?, ?)", .text(store), .integer(Int64(step.version)))
            applied.append(step.version)
        }
        return applied
    }

    /// `ALTER TABLE … ADD COLUMN`, a no-op when the column exists (a store that had it before
    /// migrations were recorded).
    static func addColumn(_ sql: SqlStorage, table: String, _ definition: String) throws {
        do {
            _ = try sql.exec("ALTER TABLE \(table) ADD COLUMN \(definition)")
        } catch {
            guard "\(error)".contains("duplicate column name") else { throw error }
        }
    }
}
