import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Cron triggers")
struct CronSchedulerTests {
    @Test("a `* * * * *` trigger fires within its minute, with the minute it was due and its expression")
    func everyMinute() async throws {
        let config = """
            name = "cron-test"
            [triggers]
            crons = ["* * * * *", "0 0 1 1 *"]
            """
        let recorder = BatchRecorder()
        let clock = RuntimeClock()
        let start = clock.now()
        try await TestRuntime.with(config: config, script: WorkerScript(worker: QueueTestWorker(recorder: recorder, clock: clock)), clock: clock) { t in
            // The next minute boundary is at most 60 s of runtime clock away.
            t.advanceTime(by: 60)
            try await recorder.waitForScheduled(count: 1)
            let fired = await recorder.scheduled
            #expect(fired.map(\.cron) == ["* * * * *"])
            let due = Double(fired[0].scheduledTime) / 1000
            #expect(fired[0].scheduledTime % 60_000 == 0)
            #expect(due > start && due <= t.clock.now())
            // And again at a later minute.
            t.advanceTime(by: 60)
            try await recorder.waitForScheduled(count: 2)
            let second = await recorder.scheduled[1]
            #expect(second.cron == "* * * * *")
            #expect(second.scheduledTime % 60_000 == 0)
            #expect(second.scheduledTime > fired[0].scheduledTime)
            #expect(Double(second.scheduledTime) / 1000 <= t.clock.now())
        }
    }

    @Test("outpost dev --test-scheduled serves GET /__scheduled?cron=… (real process)")
    func testScheduledEndpoint() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            name = "cron-endpoint"
            [[kv_namespaces]]
            binding = "KV"
            id = "kv"
            """.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir, extraArguments: ["--test-scheduled"])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let (status, body) = try await HTTP.send("GET", server.baseURL + "/__scheduled?cron=*/5+*+*+*+*&time=1700000000000")
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "Ran scheduled event")
        let (_, stored) = try await HTTP.send("GET", server.baseURL + "/kv/last-scheduled")
        #expect(String(decoding: stored, as: UTF8.self) == "*/5 * * * *|1700000000000")

        // Without the flag the path belongs to the Worker.
        let plainDir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: plainDir) }
        try FileManager.default.copyItem(atPath: dir + "/wrangler.toml", toPath: plainDir + "/wrangler.toml")
        let plain = try ServerProcess(directory: plainDir)
        defer { plain.kill(signal: SIGKILL) }
        try await plain.waitUntilReady()
        #expect(try await HTTP.send("GET", plain.baseURL + "/__scheduled?cron=x").0 == 404)
    }

    @Test("in a real `outpost dev` run, a `* * * * *` trigger fires within its minute, at the top of a minute")
    func everyMinuteInADevRun() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            name = "cron-dev"
            [[kv_namespaces]]
            binding = "KV"
            id = "kv"
            [triggers]
            crons = ["* * * * *"]
            """.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let started = Date()
        // The next minute boundary is at most 60 s away; allow for a loaded machine beyond that.
        var stored = ""
        while Date().timeIntervalSince(started) < 90 {
            let (status, body) = try await HTTP.send("GET", server.baseURL + "/kv/last-scheduled")
            if status == 200 { stored = String(decoding: body, as: UTF8.self); break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let parts = stored.split(separator: "|")
        #expect(parts.count == 2, "the trigger never fired; log: \(server.log)")
        guard parts.count == 2, let scheduledTime = Int64(parts[1]) else { return }
        #expect(parts[0] == "* * * * *")
        #expect(scheduledTime % 60_000 == 0, "scheduledTime is the minute it was due")
        let firedAt = Date().timeIntervalSince1970 * 1000
        #expect(firedAt - Double(scheduledTime) < 60_000, "fired within its minute")
        #expect(Double(scheduledTime) >= started.timeIntervalSince1970 * 1000 - 60_000)
    }
}
