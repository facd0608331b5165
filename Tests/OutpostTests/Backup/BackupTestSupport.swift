import Foundation
import Outpost
import OutpostTesting

/// A test-app node (`outpost-testapp dev`) with KV, an R2 bucket and a Durable Object class,
/// plus the `outpost backup` CLI of the same binary.
enum BackupNode {
    static let config = """
        name = "backup-test"
        [[kv_namespaces]]
        binding = "KV"
        id = "kv"
        [[r2_buckets]]
        binding = "BUCKET"
        bucket_name = "media"
        [[durable_objects.bindings]]
        name = "OBJ"
        class_name = "TestObject"
        [[migrations]]
        tag = "v1"
        new_sqlite_classes = ["TestObject"]
        """

    /// A fresh directory holding the config (the node's state goes to `<dir>/state`).
    static func makeDirectory() throws -> String {
        let dir = TestRuntime.makeTemporaryDirectory()
        try config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        return dir
    }

    static func start(_ dir: String) async throws -> ServerProcess {
        let server = try ServerProcess(directory: dir, extraArguments: ["--s3-port", "0"])
        try await server.waitUntilReady()
        return server
    }

    /// `outpost-testapp backup …`.
    static func cli(_ arguments: [String]) async throws -> CLIOutput {
        try await CLIProcess.run(["backup"] + arguments)
    }

    /// `backup create`, which must succeed; returns its JSON summary.
    static func create(state: String, to: String, keep: Int? = nil) async throws -> JSONValue {
        let out = try await cli(["create", "--persist-to", state, "--to", to] + (keep.map { ["--keep", String($0)] } ?? []))
        guard out.status == 0 else { throw ServerProcessError("backup create exited \(out.status): \(out.stderr)") }
        return try JSONValue.parse(out.stdout)
    }

    static func put(_ server: ServerProcess, _ path: String, _ body: Data) async throws {
        let (status, answer) = try await HTTP.send("PUT", server.baseURL + path, body: body)
        guard status == 200 else { throw ServerProcessError("PUT \(path) answered \(status): \(String(decoding: answer, as: UTF8.self))") }
    }

    static func get(_ server: ServerProcess, _ path: String) async throws -> (Int, Data) {
        try await HTTP.send("GET", server.baseURL + path)
    }

    static func time(_ text: String?) -> Date? {
        text.flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
    }

    /// `umount PATH`, waiting for it (for a `defer`).
    static func unmount(_ path: String) {
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [path]
        guard (try? p.run()) != nil else { return }
        p.waitUntilExit()
    }

    /// `sqlite3 PATH 'PRAGMA integrity_check'` (the sqlite3 CLI, not our code).
    static func sqliteIntegrity(_ path: String) async throws -> String {
        let r = try await ChildProcess.run("/usr/bin/sqlite3", ["-readonly", path, "PRAGMA integrity_check"])
        return String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One write of the load: what was written where, when it was sent and when it was acknowledged.
struct AcknowledgedWrite: Sendable {
    let path: String
    let body: Data
    let sent: Date
    let acknowledged: Date
}

/// The writes acknowledged so far, shared by the load's tasks.
actor WriteLog {
    private(set) var writes: [AcknowledgedWrite] = []
    private(set) var stopped = false
    func record(_ w: AcknowledgedWrite) { writes.append(w) }
    func stop() { stopped = true }
    func count(prefix: String) -> Int { writes.filter { $0.path.hasPrefix(prefix) }.count }
}
