import Foundation
import Logging
import NIOCore
import Outpost
import OutpostTesting
import ServiceLifecycle
import Testing

/// The process layer beneath the Container Durable Object, on real fixture processes.
@Suite("Container supervisor", .serialized)
struct ContainerSupervisorTests {
    typealias S = ContainerTestSupport

    @Test func twoRequestsHitTheSamePid() async throws {
        let events = EventLog()
        let state = S.stateDirectory()
        try await S.withSupervisor(classes: [S.fixtureClass()], stateDirectory: state, events: events) { sup in
            let a = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "one", options: S.options()))
            let b = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "one", options: S.options()))
            #expect(a["pid"] as? Int != nil)
            #expect(a["pid"] as? Int == b["pid"] as? Int)
            #expect(a["bootNonce"] as? String == b["bootNonce"] as? String)
            #expect(events.startedCount == 1)
            #expect(await sup.state(className: "Fixture", instanceID: "one").status == "healthy")
            let rows = await sup.list()
            #expect(rows.count == 1)
            #expect(rows.first?.pid == Int32(a["pid"] as? Int ?? 0))
            #expect((rows.first?.memoryBytes ?? 0) > 0)
            #expect(rows.first?.state == "healthy")
            #expect(await S.waitUntil(timeout: .seconds(60)) {
                ContainerSupervisor.publishedStatus(stateDirectory: state).first?.pid == rows.first?.pid
            }, "the list is published for `outpost containers list`")
        }
    }

    @Test func stopSendsSigtermAndTheExitIsObservedOnce() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            try await sup.start(className: "Fixture", instanceID: "s", options: S.options())
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "s")?.pid)
            let exit = try #require(await sup.stop(className: "Fixture", instanceID: "s"))
            #expect(exit.exitCode == 128 + SIGTERM && exit.reason == .stopped)
            #expect(!S.processExists(pid))
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"), "reaped: not even a zombie is left")
            try await Task.sleep(for: .milliseconds(200))  // any duplicate report would arrive by now
            #expect(events.stops.count == 1)
            #expect(await sup.state(className: "Fixture", instanceID: "s") == ContainerState(phase: .stoppedWithCode(143)))
        }
    }

    @Test func stopEscalatesToSigkillAfterTheGrace() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "stubborn", options: S.options(env: ["FIXTURE_IGNORE_SIGTERM": "1"], grace: .milliseconds(300)))
            let started = ContinuousClock.now
            let exit = try #require(await sup.stop(className: "Fixture", instanceID: "stubborn"))
            #expect(exit.exitCode == 137 && exit.reason == .killedAfterGrace)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    @Test func destroyKillsAtOnceWith137() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "d", options: S.options(env: ["FIXTURE_IGNORE_SIGTERM": "1"]))
            let exit = try #require(await sup.destroy(className: "Fixture", instanceID: "d"))
            #expect(exit.exitCode == 137 && exit.reason == .destroyed)
        }
    }

    @Test func crashIsReportedAndTheNextRequestStartsAFreshProcess() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let first = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "c", options: S.options()))
            _ = try await sup.fetch(Request(url: "/write?name=old"), className: "Fixture", instanceID: "c", options: S.options()).body.text()
            do {
                _ = try await sup.fetch(Request(url: "/crash?code=3"), className: "Fixture", instanceID: "c", options: S.options()).body.text()
                Issue.record("a crashing request cannot answer")
            } catch {
                #expect((error as? ContainerError)?.status == 500)
            }
            #expect(await S.waitUntil { events.stops.count == 1 })
            #expect(events.stops.first?.exitCode == 3 && events.stops.first?.reason == .exited)
            #expect(await sup.state(className: "Fixture", instanceID: "c").exitCode == 3)
            let second = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "c", options: S.options()))
            #expect(second["pid"] as? Int != first["pid"] as? Int)
            #expect(second["bootNonce"] as? String != first["bootNonce"] as? String)
            #expect(second["files"] as? [String] == [], "fresh scratch dir")
            #expect(events.startedCount == 2)
        }
    }

    @Test func aProcessThatNeverListensFailsAfterThePortTimeout() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let started = ContinuousClock.now
            do {
                _ = try await sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "mute",
                                        options: S.options(env: ["FIXTURE_NO_LISTEN": "1"], portTimeout: .seconds(1)))
                Issue.record("should time out")
            } catch let error as ContainerError {
                #expect(error.status == 500)
                #expect(error.message.hasPrefix("Failed to start container: nothing answered on port"), "\(error.message)")
            }
            let elapsed = ContinuousClock.now - started
            // Below ReadinessProbe's 20 s default: the 1 s given was the one used (the margin is for a loaded machine).
            #expect(elapsed >= .seconds(1) && elapsed < .seconds(20))
            #expect(await S.waitUntil { events.stops.count == 1 })
            #expect(events.startFailures.count == 1)
            #expect(await sup.process(className: "Fixture", instanceID: "mute") == nil)
            #expect(await sup.registry.recorded().isEmpty)
        }
    }

    @Test func twentyConcurrentFirstRequestsShareOneStart() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let pids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "shared", options: S.options()))["pid"] as? Int }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(pids.count == 20)
            #expect(Set(pids).count == 1 && pids.first! != nil)
            #expect(events.startedCount == 1, "exactly one spawn")
        }
    }

    @Test func oneMoreThanMaxInstancesIs503() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass(maxInstances: 2)]) { sup in
            try await sup.start(className: "Fixture", instanceID: "a", options: S.options())
            try await sup.start(className: "Fixture", instanceID: "b", options: S.options())
            do {
                _ = try await sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "c", options: S.options())
                Issue.record("a third instance must be refused")
            } catch let error as ContainerError {
                #expect(error.status == 503)
                #expect(error.message == "There is no Container instance available at this time")
            }
            await sup.stop(className: "Fixture", instanceID: "a")
            _ = try await sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "c", options: S.options()).body.text()
        }
    }

    @Test func idlePastSleepAfterStopsAndANewRequestColdStarts() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let opts = S.options(sleepAfter: SleepAfter(duration: .milliseconds(700)))
            let first = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "sleepy", options: opts))
            let pid = Int32(try #require(first["pid"] as? Int))
            #expect(await S.waitUntil { events.stops.count == 1 })
            #expect(!S.processExists(pid))
            #expect(events.stops.first?.reason == .stopped)
            try await Task.sleep(for: .milliseconds(300))
            #expect(events.stops.count == 1, "onStop fires once")
            let second = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "sleepy", options: opts))
            #expect(second["pid"] as? Int != Int(pid))
        }
    }

    @Test func aStreamLongerThanSleepAfterIsNotCutAndAnAbortDoesNotPin() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            let opts = S.options(sleepAfter: SleepAfter(duration: .milliseconds(500)))
            let response = try await sup.fetch(Request(url: "/stream?chunks=8&intervalMs=200"), className: "Fixture", instanceID: "stream", options: opts)
            var lines = 0
            var firstChunkAt: ContinuousClock.Instant?
            var lastChunkAt: ContinuousClock.Instant?
            for try await chunk in response.body {
                if firstChunkAt == nil { firstChunkAt = .now }
                lastChunkAt = .now
                lines += String(buffer: chunk).split(separator: "\n").count
            }
            #expect(lines == 8, "the 1.4 s stream outlived a 0.5 s sleepAfter uncut")
            // The service paces its chunks 200 ms apart (1.4 s from first to last): delivered as
            // they come, they arrive spread out; held until the end, they would arrive together.
            #expect(try #require(lastChunkAt) - (try #require(firstChunkAt)) >= .milliseconds(600), "chunks stream as they come")
            #expect(events.stops.isEmpty)
            #expect(await sup.activity(className: "Fixture", instanceID: "stream")?.inFlight == 0)

            // Abort mid-stream: the body is dropped after one chunk.
            do {
                let r = try await sup.fetch(Request(url: "/stream?chunks=50&intervalMs=100"), className: "Fixture", instanceID: "stream", options: opts)
                var it = r.body.makeAsyncIterator()
                _ = try await it.next()
                #expect(await sup.activity(className: "Fixture", instanceID: "stream")?.inFlight == 1)
            }
            #expect(await sup.activity(className: "Fixture", instanceID: "stream")?.inFlight == 0, "the aborted request released its count")
            #expect(await S.waitUntil(timeout: .seconds(60)) { events.stops.count == 1 }, "and the instance went to sleep")
        }
    }

    @Test func proxyStreamsBodiesBothWaysAndReusesConnections() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let payload = String(repeating: "outpost-", count: 50_000)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain"
            let chunks = stride(from: 0, to: payload.utf8.count, by: 65536).map { ByteBuffer(bytes: Array(payload.utf8).dropFirst($0).prefix(65536)) }
            let streamed = Body(stream: AsyncStream { c in
                for chunk in chunks { c.yield(chunk) }
                c.finish()
            })
            let r = try await sup.fetch(Request(method: .post, url: "/echo", headers: headers, body: streamed), className: "Fixture", instanceID: "echo", options: S.options())
            #expect(r.status.code == 200)
            #expect(r.header("x-method") == "POST")
            #expect(try await r.body.text() == payload)
            let fixed = try await sup.fetch(Request(method: .put, url: "/echo", body: Body("hello")), className: "Fixture", instanceID: "echo", options: S.options())
            #expect(try await fixed.body.text() == "hello")
            let missing = try await sup.fetch(Request(url: "/nope"), className: "Fixture", instanceID: "echo", options: S.options())
            #expect(missing.status.code == 404)
            _ = try await missing.body.text()
            let launcher = try #require(await sup.process(className: "Fixture", instanceID: "echo")?.pid)
            let pid = try #require(S.servicePID(launcher: launcher), "the service below the launcher and its init")
            for _ in 0..<20 { _ = try await sup.fetch(Request(url: "/ping"), className: "Fixture", instanceID: "echo", options: S.options()).body.text() }
            let sockets = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.filter {
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "").hasPrefix("socket:")
            }.count ?? 0
            #expect(sockets <= 3, "warm requests reuse kept-alive connections (\(sockets) sockets open)")
        }
    }

    @Test func outputGoesToTheLogFileWithTheInstance() async throws {
        let state = S.stateDirectory()
        try await S.withSupervisor(classes: [S.fixtureClass()], stateDirectory: state) { sup in
            try await sup.start(className: "Fixture", instanceID: "talky", options: S.options())
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "talky")?.pid)
            let log = state + "/containers/logs/Fixture/talky.log"
            #expect(await S.waitUntil { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("container-fixture \(pid) listening") })
        }
    }

    @Test func gracefulShutdownLeavesNoProcess() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let state = S.stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let sup = ContainerSupervisor(stateDirectory: state, classes: [S.fixtureClass()], logger: logger, launcherPath: S.launcher)
        let group = ServiceGroup(configuration: .init(services: [sup], logger: logger))
        let running = Task { try await group.run() }
        var pids: [Int32] = []
        for i in 0..<4 {
            try await sup.start(className: "Fixture", instanceID: "g\(i)",
                                options: S.options(env: i == 0 ? ["FIXTURE_IGNORE_SIGTERM": "1"] : [:], internet: i % 2 == 0, grace: .milliseconds(500)))
            pids.append(try #require(await sup.process(className: "Fixture", instanceID: "g\(i)")?.pid))
        }
        #expect(pids.allSatisfy(S.processExists))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(pids.allSatisfy { !S.processExists($0) }, "no process survives the runtime")
        #expect(sup.registry.recorded().isEmpty)
    }

    /// An instance dies with its runtime (the lifeline pipe); one whose launcher could not act on
    /// it (stopped here) is reaped when the same state directory starts again.
    @Test func instancesDieWithAKilledRuntimeAndLeftoversAreReapedAtTheNextStart() async throws {
        let state = S.stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let helper = ChildProcess()
        helper.executableURL = URL(fileURLWithPath: S.binDirectory + "/container-orphan-helper")
        helper.arguments = [state, S.fixture, "3"]
        let out = Pipe()
        helper.standardOutput = out
        try helper.run()
        defer { if helper.isRunning { kill(helper.processIdentifier, SIGKILL) } }
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let pids = text.split(separator: "\n").first { $0.hasPrefix("PIDS ") }?.split(separator: " ").dropFirst().compactMap { Int32($0) } ?? []
        try #require(pids.count == 3, "helper said: \(text)")
        // A stopped launcher cannot see its runtime go: that instance is left for the reaper.
        kill(pids[0], SIGSTOP)
        kill(helper.processIdentifier, SIGKILL)
        helper.waitUntilExit()
        #expect(await S.waitUntil(timeout: .seconds(60)) { pids.dropFirst().allSatisfy { !S.processExists($0) } },
                "the instances died with their killed runtime")
        #expect(S.processExists(pids[0]), "the one with a stopped launcher outlived it")

        let sup = ContainerSupervisor(stateDirectory: state, classes: [S.fixtureClass()], launcherPath: S.launcher)
        #expect(sup.reapedOrphans.map(\.pid) == [pids[0]])
        #expect(pids.allSatisfy { !S.processExists($0) }, "no leftover processes")
        #expect(sup.registry.recorded().isEmpty)
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: state + "/containers/scratch")) ?? []
        #expect(scratch.isEmpty, "their scratch dirs are gone: \(scratch)")
    }
}
