import Crypto
import Foundation
import Outpost
import OutpostTesting
import Testing

/// Real `outpost-testapp` processes: crash recovery, graceful shutdown, CLI and server sharing state.
@Suite("Server process", .serialized)
struct ServerProcessTests {
    static let config = """
        name = "process-test"
        [[kv_namespaces]]
        binding = "KV"
        id = "kv"
        """

    func makeDirectory() throws -> String {
        let dir = TestRuntime.makeTemporaryDirectory()
        try Self.config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test("kill -9 while writing KV keys: every acknowledged write is there after restart")
    func kvCrash() async throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ServerProcess(directory: dir)
        try await server.waitUntilReady()
        let base = server.baseURL

        let acked = Acked()
        // Sixteen writers stream puts, so the server group-commits several per round; it is
        // killed once enough have been acknowledged.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    for i in 0..<100_000 {
                        let key = "w\(writer)-\(i)"
                        let value = String(repeating: "\(writer)\(i)-", count: 50)
                        guard let (status, _) = try? await HTTP.send("PUT", "\(base)/kv/\(key)", body: Data(value.utf8), timeout: 10) else { return }
                        guard status == 200 else { return }
                        await acked.add(key, value)
                    }
                }
            }
            group.addTask {
                while await acked.count < 300 { try await Task.sleep(for: .milliseconds(5)) }
                server.kill(signal: SIGKILL)
            }
            try await group.waitForAll()
        }
        #expect(try await server.waitForExit() != 0)
        let written = await acked.all
        #expect(written.count >= 300)

        let restarted = try ServerProcess(directory: dir)
        defer { restarted.kill(signal: SIGKILL) }
        try await restarted.waitUntilReady()
        var missing: [String] = []
        for (key, value) in written {
            let (status, body) = try await HTTP.send("GET", "\(restarted.baseURL)/kv/\(key)")
            if status != 200 || String(decoding: body, as: UTF8.self) != value { missing.append(key) }
        }
        #expect(missing.isEmpty, "lost \(missing.count) acknowledged writes, e.g. \(missing.prefix(5))")
        let db = try SQLiteConnection(path: dir + "/state/kv.sqlite")
        #expect(try db.query("PRAGMA integrity_check") == [[.text("ok")]])
    }

    @Test("SIGTERM lets an in-flight request finish, then exits cleanly")
    func gracefulShutdown() async throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let base = server.baseURL

        async let slow = HTTP.send("GET", "\(base)/slow?ms=1500")
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        while !server.log.contains("slow request started") {
            guard Date() < deadline else { throw ServerProcessError("the slow request never arrived") }
            try await Task.sleep(for: .milliseconds(10))
        }
        server.kill(signal: SIGTERM)
        let (status, body) = try await slow
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "slow done after 1500 ms")
        #expect(try await server.waitForExit() == 0)
        #expect(server.log.contains("Stopped cleanly"))
    }

    @Test("the CLI and a running server share the state directory both ways")
    func cliSharesState() async throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()

        let cli = CLI(directory: dir)
        #expect(try await cli.run(["kv", "key", "put", "--binding", "KV", "from-cli", "hello"]).status == 0)
        let (status, body) = try await HTTP.send("GET", "\(server.baseURL)/kv/from-cli")
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "hello")

        _ = try await HTTP.send("PUT", "\(server.baseURL)/kv/from-server", body: Data("world".utf8))
        let got = try await cli.run(["kv", "key", "get", "--binding", "KV", "from-server"])
        #expect(got.status == 0)
        #expect(got.stdout == "world")
        let listed = try await cli.run(["kv", "key", "list", "--binding", "KV"])
        let json = try JSONValue.parse(listed.stdout)
        #expect(json["keys"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["from-cli", "from-server"])
        #expect(json["list_complete"] == true)

        let bad = try await cli.run(["kv", "key", "put", "--binding", "KV", String(repeating: "k", count: 513), "v"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("414 UTF-8 encoded length of 513 exceeds key length limit of 512."))
        let unknown = try await cli.run(["kv", "key", "get", "--binding", "NOPE", "k"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no KV namespace is bound as NOPE"))
    }

    @Test("a request the HTTP parser cannot read gets a JSON 400 and a closed connection, not a hang")
    func malformedRequests() async throws {
        let dir = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let port = server.port
        // A URL past the 80 KiB head limit (schemathesis sent 786 KB of query), then bytes that are not HTTP.
        let tooLong = Array("GET /kv/x?q=\(String(repeating: "a", count: 800_000)) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for request in [tooLong, Array("\u{16}\u{03}\u{01}not http\r\n\r\n".utf8)] {
            let answer: String = try await offPool {
                let fd = try RawHTTP.connect(port: port)
                defer { close(fd) }
                // Without an answer the read gives up after 60 s, and the test fails instead of hanging.
                var wait = timeval(tv_sec: 60, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                try? RawHTTP.sendAll(fd, request)
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    bytes += buffer[0..<n]
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("content-type: application/json"))
            #expect(answer.contains(#""code":"malformed_request""#))
        }
        let (status, _) = try await HTTP.send("GET", server.baseURL + "/kv/x")
        #expect(status == 404, "the server still answers")
    }

    @Test("a malformed wrangler.toml stops `dev` with file:line:column")
    func malformedConfig() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name = \"x\"\n[vars\n".write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        #expect(try await server.waitForExit() == 1)
        #expect(server.log.contains(dir + "/wrangler.toml:2:"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/state/kv.sqlite"))
    }
}

/// Keys acknowledged by the server, in the order they were acknowledged.
actor Acked {
    private(set) var all: [(String, String)] = []
    var count: Int { all.count }
    func add(_ key: String, _ value: String) { all.append((key, value)) }
}

/// Runs the `outpost-testapp` CLI against a directory's wrangler.toml and state.
struct CLI {
    let directory: String

    func run(_ arguments: [String]) async throws -> CLIOutput {
        // Subcommand words first, then the shared options.
        try await CLIProcess.run(arguments + ["--config", directory + "/wrangler.toml", "--persist-to", directory + "/state"])
    }
}

@Suite("outpost binary")
struct OutpostBinaryTests {
    @Test("`outpost keys create` makes a key the Pitchey server accepts; the state holds only its hash")
    func keysCreate() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: root + "/wrangler.toml", toPath: dir + "/wrangler.toml")

        let made = try await CLIProcess.run(
            product: "outpost",
            ["keys", "create", "--name", "deploy-bot", "--role", "admin", "--config", dir + "/wrangler.toml", "--persist-to", dir + "/state"]
        )
        #expect(made.status == 0)
        let data = made.stdoutData
        let created = try JSONValue.parse([UInt8](data))
        let key = try #require(created["key"]?.stringValue)

        let server = try ServerProcess(product: "outpost", directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let (status, body) = try await HTTP.send("GET", "\(server.baseURL)/api/me", headers: ["X-API-Key": key])
        #expect(status == 200)
        #expect(try JSONValue.parse([UInt8](body)) == ["id": "deploy-bot", "role": "admin"])
        let (denied, _) = try await HTTP.send("GET", "\(server.baseURL)/api/me", headers: ["X-API-Key": key + "x"])
        #expect(denied == 401)

        // The record is on disk (main file or WAL) under the key's hash; the key itself is nowhere.
        let files = ["/state/kv.sqlite", "/state/kv.sqlite-wal"].compactMap { FileManager.default.contents(atPath: dir + $0) }
        let hash = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(files.contains { $0.range(of: Data(hash.utf8)) != nil }, "the hash is stored")
        #expect(files.allSatisfy { $0.range(of: Data(key.utf8)) == nil }, "the plain key must not be stored")
    }
}
