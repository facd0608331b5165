import Outpost

/// The code deployments' tables: every stored version, and per (owner, name) the last version
/// number handed out — kept after a delete, so a version number is never reused for other code.
enum CodeDeploymentsSchema {
    static let migrations = SchemaMigrations(store: "code-deployments", steps: [
        .init(version: 1) { sql in
            _ = try sql.exec("""
                CREATE TABLE IF NOT EXISTS deployment_versions (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    settings TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (owner, name, version)
                );
                CREATE TABLE IF NOT EXISTS deployment_counters (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    last_version INTEGER NOT NULL,
                    PRIMARY KEY (owner, name)
                );
                """)
        },
    ])
}
