import Foundation
import Outpost
import OutpostTesting
import Testing

/// The Pitchey app (`outpost dev` with the repository's wrangler.toml) killed with SIGKILL while
/// jobs are in flight: after a restart on the same state, every acknowledged job ends succeeded.
@Suite("Pitchey crash recovery", .serialized)
struct PitcheyCrashTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let admin = ["X-API-Key": "admin-key"]

    func start(_ directory: String) async throws -> ServerProcess {
        let server = try ServerProcess(product: "outpost", directory: directory, extraArguments: [
            "--var", "API_KEYS:root:admin:admin-key", "--var", "RATE_LIMIT_BURST:100000", "--var", "RATE_LIMIT_PER_MINUTE:1000000",
        ])
        try await server.waitUntilReady()
        return server
    }

    func jobs(_ server: ServerProcess) async throws -> [JSONValue] {
        let (status, data) = try await HTTP.send("GET", server.baseURL + "/api/containers/jobs?limit=100", headers: Self.admin)
        try #require(status == 200)
        return try JSONValue.parse(Array(data))["jobs"]?.arrayValue ?? []
    }

    @Test("kill -9 with 50 jobs in flight: after restart all 50 end succeeded, each exactly once")
    func killWithJobsInFlight() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.repository + "/wrangler.toml", toPath: directory + "/wrangler.toml")

        let first = try await start(directory)
        let video = try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/fixtures/sample.mp4"))
        let (uploaded, uploadBody) = try await HTTP.send("POST", first.baseURL + "/api/containers/uploads", body: video,
                                                          headers: Self.admin.merging(["Content-Type": "video/mp4"]) { $1 })
        try #require(uploaded == 201)
        let key = try #require(try JSONValue.parse(Array(uploadBody))["key"]?.stringValue)

        // 50 submissions at once; each 202 is an acknowledgement. Every fifth job waits 30 s before
        // it may start, so work is unfinished at the kill however fast the machine runs the rest.
        let job = JSONValue.object(["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["timestamp": 1.9]]).serialized()
        let delayed = JSONValue.object(["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["timestamp": 1.9], "delaySeconds": 30]).serialized()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<50 {
                let job = i % 5 == 0 ? delayed : job
                group.addTask {
                    let (status, body) = try await HTTP.send("POST", first.baseURL + "/api/containers/jobs", body: Data(job.utf8),
                                                             headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 })
                    guard status == 202, let id = try JSONValue.parse(Array(body))["id"]?.stringValue else {
                        throw ServerProcessError("submit answered \(status)")
                    }
                    return id
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        first.kill(signal: SIGKILL)
        _ = try await first.waitForExit()
        #expect(Set(ids).count == 50)

        let restarted = Date()
        let second = try await start(directory)
        defer { second.kill(signal: SIGKILL) }
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        var listed: [JSONValue] = []
        while Date() < deadline {
            listed = try await jobs(second)
            if listed.count == 50, listed.allSatisfy({ $0["status"] == "succeeded" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(listed.compactMap { $0["id"]?.stringValue }) == Set(ids))
        let statuses = Dictionary(grouping: listed, by: { $0["status"]?.stringValue ?? "?" }).mapValues(\.count)
        // The kill came while work was unfinished: some jobs ended only after the restart.
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let finishedAfterRestart = listed.filter { job in
            (job["finishedAt"]?.stringValue).flatMap { try? style.parse($0) }.map { $0 >= restarted } ?? false
        }.count
        print("after kill -9 and restart: \(statuses); \(finishedAfterRestart) finished after the restart")
        #expect(finishedAfterRestart >= 1)
        #expect(statuses == ["succeeded": 50])
        for job in listed {
            #expect(job["outputs"]?.arrayValue?.count == 1)
            #expect((job["attempts"]?.intValue ?? 0) >= 1)
        }
        // Every output is there and readable.
        let one = try #require(listed.first?["outputs"]?.arrayValue?.first?["url"]?.stringValue)
        let (outputStatus, png) = try await HTTP.send("GET", second.baseURL + one, headers: Self.admin)
        #expect(outputStatus == 200)
        #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
        second.kill(signal: SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test("SIGTERM with a job running and its event stream open: a prompt clean exit, and the job finishes after restart without a counted attempt")
    func gracefulShutdownMidJob() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.repository + "/wrangler.toml", toPath: directory + "/wrangler.toml")
        // A thumbnail near the end of a long single-keyframe video decodes for a second or more.
        let slow = directory + "/slow.mp4"
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "40", "-c:v", "libx264", "-preset", "ultrafast",
                           "-qp", "0", "-g", "100000", "-pix_fmt", "yuv420p", slow])

        let first = try await start(directory)
        let (uploaded, uploadBody) = try await HTTP.send("POST", first.baseURL + "/api/containers/uploads", body: try Data(contentsOf: URL(fileURLWithPath: slow)),
                                                          headers: Self.admin.merging(["Content-Type": "video/mp4"]) { $1 })
        try #require(uploaded == 201)
        let key = try #require(try JSONValue.parse(Array(uploadBody))["key"]?.stringValue)
        let job = JSONValue.object(["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["timestamp": 39.5]]).serialized()
        let (status, body) = try await HTTP.send("POST", first.baseURL + "/api/containers/jobs", body: Data(job.utf8),
                                                 headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 })
        try #require(status == 202)
        let id = try #require(try JSONValue.parse(Array(body))["id"]?.stringValue)
        // An event stream open on the job (its first event has arrived), and the service decoding.
        let (port, admin) = (first.port, Self.admin)
        let stream = try await offPool { try RawHTTP.open(port: port, path: "/api/containers/jobs/\(id)/events", headers: admin, until: "event: status") }
        defer { close(stream.fd) }
        var stage: JSONValue?
        let guardEnd = Date().addingTimeInterval(HangGuard.seconds)
        while stage != "decoding", Date() < guardEnd {
            let (_, data) = try await HTTP.send("GET", first.baseURL + "/api/containers/jobs/\(id)", headers: Self.admin)
            stage = try JSONValue.parse(Array(data))["stage"]
            if stage != "decoding" { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(stage == "decoding", "the job never reached its decoding stage")
        let stopping = Date()
        first.kill(signal: SIGTERM)
        #expect(try await first.waitForExit(timeout: HangGuard.seconds) == 0)
        let took = Date().timeIntervalSince(stopping)
        print("SIGTERM with a job running and an event stream open: exited in \(took) s")
        #expect(took < 10)
        // The open stream was answered 200 and ended by the shutdown.
        let events = try await offPool { RawHTTP.readToEnd(stream.fd, after: stream.received) }
        #expect(events.hasPrefix("HTTP/1.1 200"), "\(events)")

        let second = try await start(directory)
        defer { second.kill(signal: SIGKILL) }
        var final: JSONValue = .null
        let restartDeadline = Date().addingTimeInterval(HangGuard.seconds)
        while Date() < restartDeadline {
            let (_, data) = try await HTTP.send("GET", second.baseURL + "/api/containers/jobs/\(id)", headers: Self.admin)
            final = try JSONValue.parse(Array(data))
            if final["status"] == "succeeded" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(final["status"] == "succeeded")
        #expect(final["attempts"] == 1)
        second.kill(signal: SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
