@testable import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// An orchestrator store exactly as the first version of the platform wrote it (no `handoff`
/// column, no `schema_migrations`), with one finished job in it.
actor FirstSchemaOrchestrator: DurableObject {
    let state: DurableObjectState

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        _ = try state.storage.sql.exec("""
            CREATE TABLE IF NOT EXISTS jobs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
    }

    func seed(id: String, owner: String) throws {
        _ = try state.storage.sql.exec(
            """
            INSERT INTO jobs (id, owner, type, status, priority, attempts, max_attempts, progress, created_at, finished_at, not_before, params, input_key, result)
            VALUES (?, ?, 'video.analyze', 'succeeded', 1, 1, 3, 1, 1700000000000, 1700000001000, 1700000000000, '{}', 'uploads/alice/x/clip.mp4', '{"duration":2}')
            """, .text(id), .text(owner))
    }
}

@Suite("Orchestrator schema migrations", .serialized)
struct SchemaMigrationTests {
    @Test("a store written by the first schema opens, upgrades step by step, and serves its jobs")
    func upgradesTheFirstSchema() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = PitcheyRoutesTests.repositoryConfig
        let vars = ["API_KEYS": "root:admin:admin-key, alice:user:alice-key"]
        let id = UUID().uuidString.lowercased()

        var old = Pitchey.script.durableObjects
        old["ContainerOrchestrator"] = { state, env in try await FirstSchemaOrchestrator(state: state, env: env) }
        try await TestRuntime(config: config, script: WorkerScript(worker: PitcheyWorker(), durableObjectFactories: old), vars: vars, directory: directory).run { t in
            try await PlatformBindings.orchestrator(t.env).call(FirstSchemaOrchestrator.self) { try await $0.seed(id: id, owner: "alice") }
        }

        try await TestRuntime(config: config, script: Pitchey.script, vars: vars, directory: directory).run { t in
            let response = await t.dispatchFetch("/api/containers/jobs/\(id)", headers: [HTTPField.Name("X-API-Key")!: "alice-key"])
            #expect(response.status == .ok)
            let job = try await response.json()
            #expect(job["status"] == "succeeded")
            #expect(job["result"]?["duration"] == 2)
            let (versions, handoff) = try await PlatformBindings.orchestrator(t.env).call(ContainerOrchestrator.self) { o in
                let sql = o.store.sql
                let versions = try sql.exec("SELECT version FROM schema_migrations WHERE store = 'orchestrator' ORDER BY version").toArray().compactMap { $0["version"]?.int }
                let handoff = try sql.exec("SELECT handoff FROM jobs WHERE id = ?", .text(id)).one()["handoff"]?.int
                return (versions, handoff)
            }
            #expect(versions == OrchestratorSchema.migrations.steps.map(\.version))
            #expect(handoff == 0, "the column added by step 2 is there, with its default")
            // A new job is stored and listed beside the old one.
            let (list) = await t.dispatchFetch("/api/containers/jobs", headers: [HTTPField.Name("X-API-Key")!: "admin-key"])
            #expect(try await list.json()["jobs"]?.arrayValue?.count == 1)
        }
    }

    @Test("steps are applied once: a second migrate applies nothing, and a store made with the handoff column already adopts step 2")
    func appliedOnce() async throws {
        try await TestRuntime.with(config: PitcheyRoutesTests.repositoryConfig, script: Pitchey.script) { t in
            let applied = try await PlatformBindings.orchestrator(t.env).call(ContainerOrchestrator.self) { o in
                try OrchestratorSchema.migrations.migrate(o.store.sql)
            }
            #expect(applied.isEmpty)
        }
    }
}
