import Foundation
import Outpost
import OutpostTesting
import Testing

/// `outpost backup` against real `outpost-testapp dev` processes: a backup taken while KV, R2
/// and Durable Object writes go on restores every write acknowledged before its point in time.
@Suite("Node backup", .serialized)
struct NodeBackupTests {
    /// Writes `prefix-<n>` keys one after another until told to stop; every 200 is logged with its times.
    static func writer(_ server: ServerProcess, log: WriteLog, path: @escaping @Sendable (Int) -> String,
                       body: @escaping @Sendable (Int) -> Data) async throws {
        var n = 0
        while await !log.stopped {
            let p = path(n), b = body(n)
            let sent = Date()
            try await BackupNode.put(server, p, b)
            await log.record(AcknowledgedWrite(path: p, body: b, sent: sent, acknowledged: Date()))
            n += 1
        }
    }

    /// Waits (polling the log, not sleeping a fixed time) until `count` more writes per kind are acknowledged.
    static func waitForWrites(_ log: WriteLog, more count: Int, prefixes: [String]) async throws {
        var start: [String: Int] = [:]
        for p in prefixes { start[p] = await log.count(prefix: p) }
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            var done = true
            for p in prefixes where await log.count(prefix: p) < start[p]! + count { done = false }
            if done { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerProcessError("the write load stalled")
    }

    @Test("a backup taken during KV, R2 and Durable Object writes restores every write acknowledged before pointInTime, and none sent after windowEnd", .timeLimit(.minutes(10)))
    func backupDuringWriteLoad() async throws {
        let dir = try BackupNode.makeDirectory()
        let backups = TestRuntime.makeTemporaryDirectory()
        let restoredDir = try BackupNode.makeDirectory()
        defer { for d in [dir, backups, restoredDir] { try? FileManager.default.removeItem(atPath: d) } }

        let server = try await BackupNode.start(dir)
        defer { server.kill(signal: SIGKILL) }
        let log = WriteLog()
        let kinds = ["/kv/", "/r2/obj-", "/r2/hot", "/do/"]
        // Every 8th Durable Object write goes to a new object (a new database file mid-load).
        // R2 objects of 40–200 KiB; `hot` is overwritten again and again, so its blobs are replaced
        // (and unlinked) while the backup runs.
        let r2Body: @Sendable (Int) -> Data = { n in Data((0..<(40_000 + (n % 5) * 40_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }) }
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.writer(server, log: log, path: { "/kv/key-\($0)" }, body: { Data("value-\($0)".utf8) }) }
                group.addTask { try await Self.writer(server, log: log, path: { "/r2/obj-\($0)" }, body: r2Body) }
                group.addTask { try await Self.writer(server, log: log, path: { _ in "/r2/hot" }, body: { Data("hot-\($0)-".utf8) + r2Body($0) }) }
                group.addTask { try await Self.writer(server, log: log, path: { "/do/room-\($0 / 8)/kv/k-\($0)" }, body: { Data("do-\($0)".utf8) }) }
                try await group.waitForAll()
            }
        }
        try await Self.waitForWrites(log, more: 20, prefixes: kinds)

        let summary = try await BackupNode.create(state: dir + "/state", to: backups)
        // The load goes on past the backup, so writes after windowEnd exist to check for absence.
        try await Self.waitForWrites(log, more: 10, prefixes: kinds)
        await log.stop()
        try await load.value

        let path = try #require(summary["path"]?.stringValue)
        let pointInTime = try #require(BackupNode.time(summary["pointInTime"]?.stringValue))
        let windowEnd = try #require(BackupNode.time(summary["windowEnd"]?.stringValue))
        #expect(pointInTime <= windowEnd)
        #expect(summary["blobs"]?.stringValue == "hardlink")
        let writes = await log.writes
        let before = writes.filter { $0.acknowledged < pointInTime }
        let after = writes.filter { $0.sent > windowEnd }
        print("backup: \(writes.count) writes acknowledged, \(before.count) before pointInTime, \(after.count) sent after windowEnd; window \(windowEnd.timeIntervalSince(pointInTime) * 1000) ms")
        #expect(before.count >= 4 * 20)
        // Each writer may have had one write in flight across the whole backup; the other 9 were sent after it.
        #expect(after.count >= 4 * 9)

        let verified = try await BackupNode.cli(["verify", path])
        #expect(verified.status == 0, "\(verified.stderr)")

        let restore = try await BackupNode.cli(["restore", path, "--persist-to", restoredDir + "/state"])
        #expect(restore.status == 0, "\(restore.stderr)")
        // The sqlite3 CLI agrees that the restored databases are sound.
        #expect(try await BackupNode.sqliteIntegrity(restoredDir + "/state/kv.sqlite") == "ok")
        #expect(try await BackupNode.sqliteIntegrity(restoredDir + "/state/r2/media/metadata.sqlite") == "ok")
        let objectFiles = try FileManager.default.subpathsOfDirectory(atPath: restoredDir + "/state/do/TestObject").filter { $0.hasSuffix(".sqlite") }
        #expect(objectFiles.count >= Set(before.filter { $0.path.hasPrefix("/do/") }.map { $0.path.split(separator: "/")[1] }).count)
        for file in objectFiles {
            #expect(try await BackupNode.sqliteIntegrity(restoredDir + "/state/do/TestObject/" + file) == "ok")
        }

        server.kill(signal: SIGTERM)
        _ = try await server.waitForExit()
        let restored = try await BackupNode.start(restoredDir)
        defer { restored.kill(signal: SIGKILL) }

        // Every write acknowledged before pointInTime is there, byte for byte (for `hot`, the
        // last one before the point or a later one).
        var missing: [String] = []
        for w in before where w.path != "/r2/hot" {
            let (status, data) = try await BackupNode.get(restored, w.path)
            if status != 200 || data != w.body { missing.append("\(w.path) (\(status))") }
        }
        #expect(missing.isEmpty, "missing after restore: \(missing.prefix(10))")
        let hotWrites = writes.filter { $0.path == "/r2/hot" }
        let lastHotBefore = try #require(hotWrites.lastIndex { $0.acknowledged < pointInTime })
        let (hotStatus, hot) = try await BackupNode.get(restored, "/r2/hot")
        #expect(hotStatus == 200)
        let hotIndex = hotWrites.firstIndex { $0.body == hot }
        #expect(hotIndex != nil && hotIndex! >= lastHotBefore, "hot is write \(String(describing: hotIndex)), the last acknowledged before the point is \(lastHotBefore)")

        // Nothing sent after windowEnd is there.
        var leaked: [String] = []
        for w in after where w.path != "/r2/hot" {
            let (status, _) = try await BackupNode.get(restored, w.path)
            if status != 404 { leaked.append("\(w.path) (\(status))") }
        }
        #expect(leaked.isEmpty, "present though sent after windowEnd: \(leaked.prefix(10))")

        // The restored node takes new writes.
        try await BackupNode.put(restored, "/kv/after-restore", Data("yes".utf8))
        #expect(try await BackupNode.get(restored, "/kv/after-restore").1 == Data("yes".utf8))
        restored.kill(signal: SIGTERM)
        #expect(try await restored.waitForExit() == 0)
    }
}

/// The Pitchey app's scheduled handler backs the node up when `BACKUP_DIR` is set, and the
/// restored node lists the same jobs.
@Suite("Scheduled node backup", .serialized)
struct ScheduledBackupTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let admin = ["X-API-Key": "admin-key"]

    func start(_ directory: String, _ extra: [String] = []) async throws -> ServerProcess {
        let server = try ServerProcess(product: "outpost", directory: directory, extraArguments: [
            "--var", "API_KEYS:root:admin:admin-key", "--s3-port", "0",
        ] + extra)
        try await server.waitUntilReady()
        return server
    }

    func jobs(_ server: ServerProcess) async throws -> [JSONValue] {
        let (status, data) = try await HTTP.send("GET", server.baseURL + "/api/containers/jobs?limit=100", headers: Self.admin)
        try #require(status == 200)
        return try JSONValue.parse(Array(data))["jobs"]?.arrayValue ?? []
    }

    @Test("a cron trigger with BACKUP_DIR set takes a verified backup (BACKUP_KEEP applies); the restored node serves the same jobs", .timeLimit(.minutes(5)))
    func cronBackupOfPitchey() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        let backups = TestRuntime.makeTemporaryDirectory()
        let restoredDir = TestRuntime.makeTemporaryDirectory()
        defer { for d in [dir, backups, restoredDir] { try? FileManager.default.removeItem(atPath: d) } }
        for d in [dir, restoredDir] {
            try FileManager.default.copyItem(atPath: Self.repository + "/wrangler.toml", toPath: d + "/wrangler.toml")
        }
        let server = try await start(dir, ["--test-scheduled", "--var", "BACKUP_DIR:\(backups)", "--var", "BACKUP_KEEP:1"])
        defer { server.kill(signal: SIGKILL) }

        let video = try Data(contentsOf: URL(fileURLWithPath: Self.repository + "/fixtures/sample.mp4"))
        let (uploaded, uploadBody) = try await HTTP.send("POST", server.baseURL + "/api/containers/uploads", body: video,
                                                          headers: Self.admin.merging(["Content-Type": "video/mp4"]) { $1 })
        try #require(uploaded == 201)
        let key = try #require(try JSONValue.parse(Array(uploadBody))["key"]?.stringValue)
        // Delayed an hour: the jobs stay queued, so both nodes must show them as they were.
        let job = JSONValue.object(["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["timestamp": 1.0], "delaySeconds": 3600]).serialized()
        for _ in 0..<5 {
            let (status, _) = try await HTTP.send("POST", server.baseURL + "/api/containers/jobs", body: Data(job.utf8),
                                                  headers: Self.admin.merging(["Content-Type": "application/json"]) { $1 })
            try #require(status == 202)
        }
        let before = try await jobs(server)
        #expect(before.count == 5)

        for _ in 0..<2 {
            let (status, body) = try await HTTP.send("GET", server.baseURL + "/__scheduled?cron=0+3+*+*+*")
            #expect(status == 200, "\(String(decoding: body, as: UTF8.self)) \(server.log)")
        }
        // BACKUP_KEEP=1: one backup left.
        let names = try FileManager.default.contentsOfDirectory(atPath: backups)
        #expect(names.count == 1, "\(names)")
        let backup = backups + "/" + (try #require(names.first))
        #expect(try await CLIProcess.run(product: "outpost", ["backup", "verify", backup]).status == 0)
        let restore = try await CLIProcess.run(product: "outpost", ["backup", "restore", backup, "--persist-to", restoredDir + "/state"])
        #expect(restore.status == 0, "\(restore.stderr)")

        server.kill(signal: SIGTERM)
        _ = try await server.waitForExit()
        let restored = try await start(restoredDir)
        defer { restored.kill(signal: SIGKILL) }
        let after = try await jobs(restored)
        func summary(_ list: [JSONValue]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: list.compactMap { j in j["id"]?.stringValue.map { ($0, (j["status"]?.stringValue ?? "") + "|" + (j["createdAt"]?.stringValue ?? "")) } })
        }
        #expect(summary(after) == summary(before))
        restored.kill(signal: SIGTERM)
        #expect(try await restored.waitForExit() == 0)
    }
}
