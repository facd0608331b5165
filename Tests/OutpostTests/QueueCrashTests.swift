import Foundation
import Outpost
import OutpostTesting
import Testing

/// The test app's consumer records every delivery in `delivered.sqlite` (id, n, deliveries).
struct DeliveryLog {
    let path: String

    func query(_ sql: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let db = try SQLiteConnection(path: path)
        return try db.query(sql).first?.first?.int ?? 0
    }

    var distinctIDs: Int { (try? query("SELECT count(*) FROM delivered")) ?? 0 }
}

func remainingMessages(_ stateDirectory: String, leasedOnly: Bool = false) throws -> Int {
    let db = try SQLiteConnection(path: stateDirectory + "/queues.sqlite")
    let sql = "SELECT count(*) FROM messages" + (leasedOnly ? " WHERE lease_expires IS NOT NULL" : "")
    return try db.query(sql).first?.first?.int ?? 0
}

func waitFor(_ what: String, timeout: Double, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    while try !condition() {
        if ContinuousClock.now > deadline { throw TestTimeout(message: "\(what) not reached after \(timeout)s") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("Queue crash recovery (real processes)")
struct QueueCrashTests {
    @Test("10,000 messages, kill -9 mid-way, restart: every message delivered at least once, 10,000 distinct ids")
    func killMidway() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = DeliveryLog(path: dir + "/state/delivered.sqlite")
        try """
            name = "queue-crash"
            [vars]
            DELIVERED_DB = "\(log.path)"
            CONSUME_DELAY_MS = "20"
            [[queues.producers]]
            binding = "QUEUE"
            queue = "crash-jobs"
            [[queues.consumers]]
            queue = "crash-jobs"
            max_batch_size = 10
            max_batch_timeout = 0
            max_concurrency = 2
            """.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)

        let first = try ServerProcess(directory: dir)
        defer { first.kill(signal: SIGKILL) }
        try await first.waitUntilReady()
        let (status, body) = try await HTTP.send("POST", first.baseURL + "/queues/send?count=10000", timeout: 300)
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")

        try await waitFor("2,000 deliveries", timeout: 120) { log.distinctIDs >= 2000 }
        first.kill(signal: SIGKILL)
        _ = try await first.waitForExit()
        let remaining = try remainingMessages(dir + "/state")
        let leased = try remainingMessages(dir + "/state", leasedOnly: true)
        #expect(remaining > 0, "the consumer should have been mid-way when killed")
        #expect(remaining + log.distinctIDs >= 10_000, "nothing acknowledged to the producer may be lost")

        let second = try ServerProcess(directory: dir)
        defer { second.kill(signal: SIGKILL) }
        try await second.waitUntilReady()
        try await waitFor("10,000 distinct deliveries and an empty queue", timeout: 300) {
            try log.distinctIDs == 10_000 && remainingMessages(dir + "/state") == 0
        }
        #expect(try log.query("SELECT count(DISTINCT n) FROM delivered") == 10_000)
        #expect(try log.query("SELECT min(n) FROM delivered") == 0)
        #expect(try log.query("SELECT max(n) FROM delivered") == 9_999)
        #expect(try log.query("SELECT sum(deliveries) FROM delivered") >= 10_000)
        // Messages leased at the kill come back at once (their owner process is gone), not after the
        // 15-minute lease: the wait above would time out otherwise.
        let twice = try log.query("SELECT count(*) FROM delivered WHERE deliveries > 1")
        print("queue crash test: killed with \(remaining) messages left (\(leased) leased); \(twice) delivered more than once")
        second.kill(signal: SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}

@Suite("outpost queues (CLI, real processes)")
struct QueueCLITests {
    static func config(_ dir: String, consumer: Bool) -> String {
        """
        name = "queue-cli"
        [vars]
        DELIVERED_DB = "\(dir)/state/delivered.sqlite"
        [[queues.producers]]
        binding = "QUEUE"
        queue = "cli-jobs"
        \(consumer ? "[[queues.consumers]]\nqueue = \"cli-jobs\"\nmax_batch_timeout = 0\ndead_letter_queue = \"cli-dlq\"" : "")
        """
    }

    @Test("list, send and purge work on the state directory without a server")
    func offline() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config(dir, consumer: true).write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let common = ["--config", dir + "/wrangler.toml", "--persist-to", dir + "/state"]

        let sent = try await CLIProcess.run(["queues", "send", "cli-jobs", #"{"n": 1}"#] + common)
        #expect(sent.status == 0, "\(sent.stderr)")
        let reply = try JSONValue.parse(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let id = try #require(reply["id"]?.stringValue)
        #expect(id.count == 32)
        _ = try await CLIProcess.run(["queues", "send", "cli-jobs", "later", "--content-type", "text", "--delay-seconds", "600"] + common)

        let listed = try await CLIProcess.run(["queues", "list"] + common)
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = try listed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(rows.map { $0["name"]?.stringValue } == ["cli-dlq", "cli-jobs"])
        #expect(rows[1] == ["name": "cli-jobs", "depth": 1, "inFlight": 0, "delayed": 1, "deadLettered": 0])

        let bad = try await CLIProcess.run(["queues", "send", "cli-jobs", "not json"] + common)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("BODY is not valid JSON"))

        let purged = try await CLIProcess.run(["queues", "purge", "cli-jobs"] + common)
        #expect(try JSONValue.parse(purged.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["deleted"] == 2)
        let after = try await CLIProcess.run(["queues", "list"] + common)
        #expect(after.stdout.contains(#""depth":0"#) && !after.stdout.contains(#""delayed":1"#))
    }

    @Test("a running server delivers a message the CLI sent")
    func serverSeesCLI() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config(dir, consumer: true).write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let sent = try await CLIProcess.run(["queues", "send", "cli-jobs", #"{"n": 7}"#, "--config", dir + "/wrangler.toml", "--persist-to", dir + "/state"])
        let id = try #require(try JSONValue.parse(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["id"]?.stringValue)
        let log = DeliveryLog(path: dir + "/state/delivered.sqlite")
        try await waitFor("the CLI's message delivered", timeout: 60) {
            (try? log.query("SELECT count(*) FROM delivered WHERE id = '\(id)' AND n = 7")) == 1
        }
        server.kill(signal: SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }
}
