public import Outpost

/// The code-executor's deployments, a Durable Object (binding `CODE_DEPLOYMENTS`, one object named
/// `global`): named, versioned programs of each owner, in SQLite.
///
/// Names are per owner (alice's `calc` and bob's `calc` are two deployments). A new version's
/// number is taken and its row written in one synchronous actor call inside one transaction, so
/// concurrent deploys of one name get distinct, increasing versions.
public actor CodeDeployments: DurableObject {
    public static let binding = "CODE_DEPLOYMENTS"
    let state: DurableObjectState
    private var sql: SqlStorage { state.storage.sql }

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        try CodeDeploymentsSchema.migrations.migrate(state.storage.sql)
    }

    /// The store's stub.
    public static func stub(_ env: Env) throws -> DurableObjectStub {
        try env.durableObject(binding).getByName(PlatformBindings.singletonName)
    }

    /// Stores `settings` as the next version of `owner`'s `name` and returns it.
    public func deploy(owner: String, name: String, settings: [String: JSONValue], at createdAt: Int64) throws -> CodeDeployment {
        try state.storage.transactionSync {
            _ = try sql.exec("""
                INSERT INTO deployment_counters (owner, name, last_version) VALUES (?, ?, 1)
                ON CONFLICT (owner, name) DO UPDATE SET last_version = last_version + 1
                """, .text(owner), .text(name))
            let version = try sql.exec("SELECT last_version AS v FROM deployment_counters WHERE owner = ? AND name = ?", .text(owner), .text(name)).one()["v"]?.int ?? 1
            _ = try sql.exec("INSERT INTO deployment_versions (owner, name, version, settings, created_at) VALUES (?, ?, ?, ?, ?)",
                             .text(owner), .text(name), .integer(Int64(version)), .text(JSONValue.object(settings).serialized()), .integer(createdAt))
            return CodeDeployment(owner: owner, name: name, version: version, settings: settings, createdAt: createdAt)
        }
    }

    /// The latest version of `owner`'s `name`.
    public func latest(owner: String, name: String) throws -> CodeDeployment? {
        try rows("WHERE owner = ? AND name = ? ORDER BY version DESC LIMIT 1", .text(owner), .text(name)).first
    }

    /// Every kept version of `owner`'s `name`, oldest first.
    public func versions(owner: String, name: String) throws -> [CodeDeployment] {
        try rows("WHERE owner = ? AND name = ? ORDER BY version", .text(owner), .text(name))
    }

    /// `owner`'s deployments (everyone's when nil), by owner and name.
    public func list(owner: String?) throws -> [CodeDeploymentSummary] {
        let filter = owner == nil ? "" : "WHERE owner = ?"
        let groups = try sql.exec("""
            SELECT owner, name, MAX(version) AS latest, COUNT(*) AS n, MIN(created_at) AS first FROM deployment_versions \(filter)
            GROUP BY owner, name ORDER BY owner, name
            """, bindings: owner.map { [.text($0)] } ?? []).raw()
        return try groups.compactMap { row in
            guard let owner = row[0].string, let name = row[1].string, let version = row[2].int64,
                  let latest = try rows("WHERE owner = ? AND name = ? AND version = ?", .text(owner), .text(name), .integer(version)).first else { return nil }
            return CodeDeploymentSummary(latest: latest, versionCount: Int(row[3].int64 ?? 0), firstCreatedAt: row[4].int64 ?? 0)
        }
    }

    /// Erasure: removes every version of every deployment of `owner`, and their version
    /// counters (the owner is gone, so no one can reuse the numbers); how many versions there were.
    public func erase(owner: String) throws -> Int {
        let count = try sql.exec("DELETE FROM deployment_versions WHERE owner = ?", .text(owner)).rowsWritten
        _ = try sql.exec("DELETE FROM deployment_counters WHERE owner = ?", .text(owner))
        return count
    }

    /// Deletes every version of `owner`'s `name`; how many there were.
    public func delete(owner: String, name: String) throws -> Int {
        let count = try sql.exec("SELECT COUNT(*) AS n FROM deployment_versions WHERE owner = ? AND name = ?", .text(owner), .text(name)).one()["n"]?.int ?? 0
        _ = try sql.exec("DELETE FROM deployment_versions WHERE owner = ? AND name = ?", .text(owner), .text(name))
        return count
    }

    private func rows(_ clause: String, _ bindings: SQLiteValue...) throws -> [CodeDeployment] {
        try sql.exec("SELECT owner, name, version, settings, created_at FROM deployment_versions " + clause, bindings: bindings).raw().map { row in
            guard case .object(let settings)? = try? JSONValue.parse(row[3].string ?? "") else {
                throw HTTPFailure(500, code: "deployment_corrupt", "The stored deployment \(row[1].string ?? "") v\(row[2].int64 ?? 0) has unreadable settings.")
            }
            return CodeDeployment(owner: row[0].string ?? "", name: row[1].string ?? "", version: Int(row[2].int64 ?? 0), settings: settings, createdAt: row[4].int64 ?? 0)
        }
    }
}
