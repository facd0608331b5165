import Foundation
import Outpost
import OutpostTesting
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Acknowledged keys, shared by the writer tasks.
private actor Acknowledged {
    var keys: [String] = []
    func add(_ key: String) { keys.append(key) }
    var count: Int { keys.count }
}

@Suite("Durable Object crash recovery", .serialized)
struct DurableObjectCrashTests {
    static let config = """
        name = "do-crash"
        [[durable_objects.bindings]]
        name = "OBJ"
        class_name = "TestObject"
        [[migrations]]
        tag = "v1"
        new_sqlite_classes = ["TestObject"]
        """

    @Test(.timeLimit(.minutes(5)))
    func durableAcknowledgedPutsSurviveKill9() async throws {
        let dir = NSTemporaryDirectory() + "outpost-do-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)

        let server = try ServerProcess(directory: dir)
        try await server.waitUntilReady()
        let base = server.baseURL
        let acked = Acknowledged()
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var n = 0
                    while true {
                        let key = "w\(writer)-\(n)"
                        do {
                            let (status, _) = try await HTTP.send("PUT", "\(base)/do/crash/kv/\(key)", body: Data("value-\(key)".utf8), timeout: 10)
                            guard status == 200 else { return }
                        } catch {
                            return
                        }
                        await acked.add(key)
                        n += 1
                    }
                }
            }
            group.addTask {
                // Kill once a stream of writes has been acknowledged, while writers are mid-request:
                // an event (a count), not a time, so a slow machine kills later, never too early.
                while await acked.count < 300 {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                server.kill(signal: SIGKILL)
            }
        }
        _ = try await server.waitForExit()
        // However many were acknowledged before the kill, every one of them must be there.
        let keys = await acked.keys
        #expect(keys.count >= 300)

        let restarted = try ServerProcess(directory: dir)
        try await restarted.waitUntilReady()
        for key in keys.suffix(20) {
            let (status, body) = try await HTTP.send("GET", "\(restarted.baseURL)/do/crash/kv/\(key)")
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "value-\(key)")
        }
        restarted.kill(signal: SIGTERM)
        #expect(try await restarted.waitForExit() == 0)

        let inspector = try DurableObjectInspector(stateDirectory: dir + "/state")
        let id = try inspector.id(className: "TestObject", name: "crash")
        #expect(try inspector.query(className: "TestObject", id: id, sql: "PRAGMA integrity_check").rows == [[.text("ok")]])
        let stored = Set(try inspector.query(className: "TestObject", id: id, sql: "SELECT key, value FROM _cf_KV").rows.map { row in
            String(decoding: row[0].bytes ?? [], as: UTF8.self) + "=" + String(decoding: row[1].bytes ?? [], as: UTF8.self)
        })
        let missing = keys.filter { !stored.contains("\($0)=value-\($0)") }
        #expect(missing.isEmpty, "acknowledged writes lost: \(missing.prefix(10))")

        // The CLI sees the same state.
        let list = try await Self.cli(dir, ["do", "list", "--class", "TestObject"])
        let objects = try JSONDecoder().decode([DurableObjectInspector.ObjectInfo].self, from: Data(list.utf8))
        #expect(objects.map(\.id) == [id])
        #expect(objects.first?.name == "crash")
        let rows = try await Self.cli(dir, ["do", "sql", "--class", "TestObject", "--name", "crash", "SELECT count(*) AS n FROM _cf_KV"])
        let parsed = try JSONValue.parse(rows)
        #expect(parsed.arrayValue?.first?["n"]?.intValue ?? 0 >= keys.count)
    }

    /// Runs the test app's CLI and returns its stdout.
    static func cli(_ dir: String, _ arguments: [String]) async throws -> String {
        let (status, stdout, stderr) = try await ChildProcess.run(
            ServerProcess.binDirectory + "/outpost-testapp", arguments + ["--config", dir + "/wrangler.toml", "--persist-to", dir + "/state"])
        #expect(status == 0, "outpost \(arguments.joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        return String(decoding: stdout, as: UTF8.self)
    }
}
