import Foundation
import Outpost
import OutpostTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the clients sent and what the server acknowledged.
actor R2CrashLedger {
    private(set) var attempted: [String: String] = [:]
    private(set) var acknowledged: [String: String] = [:]
    private(set) var stopped = false

    func attempt(_ key: String, md5: String) { attempted[key] = md5 }
    func acknowledge(_ key: String, md5: String) { acknowledged[key] = md5 }
    func stop() { stopped = true }
    var acknowledgedCount: Int { acknowledged.count }
}

@Suite("R2 crash: kill -9 mid-stream loses nothing acknowledged and tears nothing", .serialized, .timeLimit(.minutes(5)))
struct R2CrashTests {
    static let config = """
        name = "r2-crash"
        compatibility_date = "2025-01-01"

        [[kv_namespaces]]
        binding = "KV"
        id = "kv-crash"

        [[r2_buckets]]
        binding = "BUCKET"
        bucket_name = "crash-bucket"
        """

    @Test("acknowledged PUTs survive kill -9 byte for byte; the interrupted ones are absent or whole")
    func killMidStream() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let blobs = dir + "/state/r2/crash-bucket/blobs"

        let server = try ServerProcess(directory: dir)
        try await server.waitUntilReady()
        let base = server.baseURL
        let (kvStatus, _) = try await HTTP.send("PUT", base + "/kv/marker", body: Data("before-crash".utf8))
        #expect(kvStatus == 200)

        // A client that sends the headers and half of a 2 MiB body, then stalls: the server is
        // streaming it into a temporary file when the kill comes.
        let tornPort = server.port
        let tornSocket = Task { try await offPool { try Self.sendHalfUpload(port: tornPort, key: "torn", total: 2 * 1024 * 1024, sent: 1024 * 1024) } }

        let ledger = R2CrashLedger()
        let clients = (0..<4).map { worker in
            Task.detached {
                var i = 0
                while await !ledger.stopped {
                    let key = "obj-\(worker)-\(i)"
                    let payload = Data(R2Fixture.bytes(count: 100_000 + worker * 1000 + i, seed: UInt64(worker * 100_000 + i + 1)))
                    let md5 = R2Fixture.md5Hex(payload)
                    await ledger.attempt(key, md5: md5)
                    guard let (status, body) = try? await HTTP.send("PUT", base + "/r2/" + key, body: payload, timeout: 30) else { break }
                    if status == 200, (try? JSONValue.parse(Array(body)))?["etag"]?.stringValue == md5 {
                        await ledger.acknowledge(key, md5: md5)
                    }
                    i += 1
                }
            }
        }

        // Wait for the events that make the kill meaningful: enough acknowledged writes, and the
        // stalled upload visibly half-written on disk.
        try await Self.waitFor("40 acknowledged PUTs and a half-written upload", timeout: 120) {
            let acked = await ledger.acknowledgedCount
            let partial = (try? FileManager.default.contentsOfDirectory(atPath: blobs))?.contains { name in
                name.hasSuffix(".tmp") && ((try? FileManager.default.attributesOfItem(atPath: blobs + "/" + name)[.size] as? Int) ?? 0) >= 256 * 1024
            } ?? false
            return acked >= 40 && partial
        }
        server.kill(signal: SIGKILL)
        #expect(try await server.waitForExit() != 0)
        await ledger.stop()
        for c in clients { await c.value }
        _ = try? await tornSocket.value

        let acknowledged = await ledger.acknowledged
        let attempted = await ledger.attempted
        #expect(acknowledged.count >= 40)

        let restarted = try ServerProcess(directory: dir)
        try await restarted.waitUntilReady()
        defer { restarted.kill(signal: SIGKILL) }
        let rbase = restarted.baseURL

        var present = 0
        for (key, md5) in attempted.sorted(by: { $0.key < $1.key }) {
            let (status, body) = try await HTTP.send("GET", rbase + "/r2/" + key)
            if let acked = acknowledged[key] {
                #expect(status == 200, "acknowledged \(key) is missing after the crash")
                #expect(R2Fixture.md5Hex(body) == acked, "acknowledged \(key) came back different")
            } else {
                // In flight at the kill: either never committed, or committed whole.
                #expect(status == 404 || (status == 200 && R2Fixture.md5Hex(body) == md5), "\(key) is torn: \(status), \(body.count) bytes")
            }
            if status == 200 { present += 1 }
        }
        let (tornStatus, _) = try await HTTP.send("GET", rbase + "/r2/torn")
        #expect(tornStatus == 404)
        let (markerStatus, marker) = try await HTTP.send("GET", rbase + "/kv/marker")
        #expect(markerStatus == 200 && String(decoding: marker, as: UTF8.self) == "before-crash")

        // The restart swept the half-written file: one blob per object, nothing else.
        let files = try FileManager.default.contentsOfDirectory(atPath: blobs)
        #expect(!files.contains { $0.hasSuffix(".tmp") }, "temporary files left: \(files.filter { $0.hasSuffix(".tmp") })")
        #expect(files.count == present)
        print("R2 crash: \(acknowledged.count) acknowledged of \(attempted.count) attempted; \(present) present after restart")

        restarted.kill(signal: SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }

    /// Polls `condition` until it holds (an event), failing after `timeout` seconds.
    static func waitFor(_ what: String, timeout: Double, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !(await condition()) {
            if Date() > deadline { throw ServerProcessError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Opens a raw connection, sends a PUT announcing `total` bytes and sends only `sent`, then
    /// keeps the connection open until the server dies.
    static func sendHalfUpload(port: Int, key: String, total: Int, sent: Int) throws {
        let fd = try RawHTTP.connect(port: port)
        defer { close(fd) }
        let head = "PUT /r2/\(key) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(total)\r\n\r\n"
        // A send that fails means the server is already gone: nothing more to hold open.
        guard (try? RawHTTP.sendAll(fd, Array(head.utf8) + R2Fixture.bytes(count: sent, seed: 42))) != nil else { return }
        // Block until the server goes away (read returns 0 or fails when it is killed).
        var scratch = [UInt8](repeating: 0, count: 1024)
        while recv(fd, &scratch, scratch.count, 0) > 0 {}
    }
}
