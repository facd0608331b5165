import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOConcurrencyHelpers
import OutpostTesting
import Testing

/// One JSON line per request (request id, route, status, duration, caller, job), the same id in
/// `X-Request-Id`, and `outpost tail` following it from another process.
@Suite("Access log and outpost tail", .serialized)
struct AccessLogTests {
    @Test("outpost tail prints each request's line as it is answered, with the id the response carries")
    func tailFollowsRequests() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: root + "/wrangler.toml", toPath: dir + "/wrangler.toml")
        let server = try ServerProcess(product: "outpost", directory: dir, extraArguments: ["--var", "API_KEYS:root:admin:tail-admin-key"])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()

        // `outpost tail --format json`, its output collected as it comes.
        let tail = ChildProcess()
        tail.executableURL = URL(fileURLWithPath: ServerProcess.binDirectory + "/outpost")
        tail.arguments = ["tail", "--persist-to", dir + "/state", "--format", "json", "--status", "ok", "--status", "404"]
        let out = Pipe()
        tail.standardOutput = out
        tail.standardError = FileHandle.nullDevice
        let lines = NIOLockedValueBox<[String]>([])
        let partial = NIOLockedValueBox(Data())
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { return }
            let complete: [String] = partial.withLockedValue { buffer in
                buffer.append(data)
                guard let last = buffer.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
                defer { buffer = Data(buffer[buffer.index(after: last)...]) }
                return buffer[buffer.startIndex..<last].split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
            }
            lines.withLockedValue { $0.append(contentsOf: complete) }
        }
        try tail.run()
        defer { tail.signal(SIGKILL); tail.waitUntilExit() }

        let key = ["X-API-Key": "tail-admin-key"]
        // Requests keep coming until tail has shown the marked one: tail starts at the log's end,
        // so what came before it opened the file is not shown (as with wrangler tail).
        var mine: [String: Any]?
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        var n = 0
        while mine == nil, Date() < deadline {
            n += 1
            let (status, _) = try await HTTP.send("GET", server.baseURL + "/api/me", headers: key.merging(["X-Request-Id": "tail-test-\(n)"]) { $1 })
            #expect(status == 200)
            try await Task.sleep(for: .milliseconds(100))
            mine = lines.withLockedValue { $0 }.lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { ($0["requestId"] as? String)?.hasPrefix("tail-test-") == true }
        }
        let entry = try #require(mine, "tail printed: \(lines.withLockedValue { $0 })")
        #expect(entry["method"] as? String == "GET")
        #expect(entry["path"] as? String == "/api/me")
        #expect(entry["route"] as? String == "GET /api/me")
        #expect(entry["status"] as? Int == 200)
        #expect(entry["caller"] as? String == "root")
        #expect((entry["durationMs"] as? Double ?? -1) >= 0)
        #expect((entry["time"] as? String)?.hasSuffix("Z") == true)

        // A job route carries the job's id; the response's X-Request-Id is the logged one.
        var request = URLRequest(url: URL(string: server.baseURL + "/api/containers/jobs/no-such-job")!)
        for (k, v) in key { request.setValue(v, forHTTPHeaderField: k) }
        let (_, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 404)
        let requestId = try #require(http.value(forHTTPHeaderField: "X-Request-Id"))
        #expect(requestId.count == 16, "a generated id: \(requestId)")
        var jobLine: [String: Any]?
        let jobDeadline = Date().addingTimeInterval(HangGuard.seconds)
        while jobLine == nil, Date() < jobDeadline {
            jobLine = lines.withLockedValue { $0 }.lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["requestId"] as? String == requestId }
            if jobLine == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let job = try #require(jobLine, "tail printed: \(lines.withLockedValue { $0 })")
        #expect(job["jobId"] as? String == "no-such-job")
        #expect(job["route"] as? String == "GET /api/containers/jobs/:id")
        #expect(job["status"] as? Int == 404)

        // --status ok,404 left out the 401 of a request without a key.
        let (unauthorized, _) = try await HTTP.send("GET", server.baseURL + "/api/me", headers: ["X-Request-Id": "tail-unauthorized"])
        #expect(unauthorized == 401)
        let logged = try String(contentsOfFile: dir + "/state/logs/requests.ndjson", encoding: .utf8)
        #expect(logged.contains("\"tail-unauthorized\""), "the log has every request")
        let (_, _) = try await HTTP.send("GET", server.baseURL + "/health", headers: ["X-Request-Id": "tail-after"])
        var sawAfter = false
        let afterDeadline = Date().addingTimeInterval(HangGuard.seconds)
        while !sawAfter, Date() < afterDeadline {
            sawAfter = lines.withLockedValue { $0 }.contains { $0.contains("\"tail-after\"") }
            if !sawAfter { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(sawAfter)
        #expect(!lines.withLockedValue { $0 }.contains { $0.contains("\"tail-unauthorized\"") }, "tail filtered the 401 out")
    }
}
