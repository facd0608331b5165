import Foundation
import Outpost
import OutpostTesting
import Testing

/// The Container Durable Object through the in-process runtime, on real `container-fixture` processes.
@Suite("Container objects", .serialized)
struct ContainerObjectTests {
    typealias S = ContainerTestSupport
    typealias F = ContainerObjectFixtures
    let hooks = ContainerHookLog.shared

    /// A name no other test uses, so hook logs never mix.
    func uniqueName() -> String { "obj-" + UUID().uuidString.prefix(8).lowercased() }

    func objectID(_ t: TestRuntime, _ name: String) throws -> String {
        try t.durableObject("FIXTURE").idFromName(name).hex
    }

    func get(_ t: TestRuntime, _ name: String, _ rest: String = "/") async throws -> [String: Any] {
        let response = await t.dispatchFetch("/c/\(name)\(rest)")
        #expect(response.status == .ok)
        return try await S.json(response)
    }

    @Test func twoRequestsWithinSleepAfterHitTheSamePid() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let a = try await get(t, name)
            let b = try await get(t, name)
            let pid = try #require(a["pid"] as? Int)
            #expect(b["pid"] as? Int == pid)
            #expect(a["bootNonce"] as? String == b["bootNonce"] as? String)
            let env = try #require(a["env"] as? [String: String])
            #expect(env["GREETING"] == "hello")
            #expect(env["CLOUDFLARE_DURABLE_OBJECT_ID"] == (try objectID(t, name)))
            let state = try await getContainer(t.durableObject("FIXTURE"), name: name).call { (c: FixtureContainer) in await c.getState() }
            #expect(state.status == "healthy")
            let id = try objectID(t, name)
            #expect(await S.waitUntil { hooks.count(id, prefix: "start") == 1 }, "onStart once")
        }
    }

    @Test func idleInstanceSleepsAfterSleepAfterAndTheNextRequestColdStarts() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["SLEEP_AFTER": "1s"]) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let first = try await get(t, name)
            let pid = try #require(first["pid"] as? Int)
            let started = ContinuousClock.now
            #expect(await S.waitUntil(timeout: .seconds(120)) { !FileManager.default.fileExists(atPath: "/proc/\(pid)") }, "the process is gone")
            #expect(ContinuousClock.now - started >= .milliseconds(900), "not before sleepAfter")
            #expect(await S.waitUntil { hooks.count(id, prefix: "stop") == 1 })
            #expect(hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:143:stopped"], "SIGTERM on expiry")
            let second = try await get(t, name)
            #expect(second["pid"] as? Int != pid)
            #expect(second["bootNonce"] as? String != first["bootNonce"] as? String)
            #expect(second["files"] as? [String] == [], "fresh scratch dir")
            #expect(hooks.count(id, prefix: "stop") == 1, "onStop fired once for the first process")
        }
    }

    @Test func twentyConcurrentFirstRequestsShareOneStart() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let pids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await S.json(t.dispatchFetch("/c/\(name)/"))["pid"] as? Int }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(pids.count == 20)
            #expect(Set(pids).count == 1 && pids.first! != nil)
            let id = try objectID(t, name)
            #expect(await S.waitUntil { hooks.count(id, prefix: "start") >= 1 })
            try await Task.sleep(for: .milliseconds(200))  // a second start would have reported by now
            #expect(hooks.count(id, prefix: "start") == 1, "exactly one start")
        }
    }

    @Test func oneMoreThanMaxInstancesIs503() async throws {
        try await TestRuntime.with(config: F.config(maxInstances: 2), script: F.script) { t in
            _ = try await get(t, uniqueName())
            _ = try await get(t, uniqueName())
            let refused = await t.dispatchFetch("/c/\(uniqueName())/")
            #expect(refused.status.code == 503)
            let body = try await refused.json()
            #expect(body["error"]?["message"]?.stringValue == "There is no Container instance available at this time")
        }
    }

    @Test func crashFiresOnStopWithTheExitCodeAndTheNextRequestRestarts() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let first = try await get(t, name)
            let crashed = await t.dispatchFetch("/c/\(name)/crash?code=3")
            #expect(crashed.status.code == 500)
            #expect(await S.waitUntil { hooks.count(id, prefix: "stop") == 1 })
            #expect(hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:3:exited"])
            let state = try await getContainer(t.durableObject("FIXTURE"), name: name).call { (c: FixtureContainer) in await c.getState() }
            #expect(state.status == "stopped_with_code" && state.exitCode == 3)
            let second = try await get(t, name)
            #expect(second["pid"] as? Int != first["pid"] as? Int)
            #expect(await S.waitUntil { hooks.count(id, prefix: "start") == 2 })
        }
    }

    @Test func runtimeShutdownLeavesNoProcessAndFiresOnStop() async throws {
        let names = [uniqueName(), uniqueName()]
        let (pids, ids) = try await TestRuntime.with(config: F.config(), script: F.script) { t in
            var pids: [Int] = []
            for name in names { pids.append(try #require(try await get(t, name)["pid"] as? Int)) }
            return (pids, try names.map { try objectID(t, $0) })
        }
        for pid in pids {
            #expect(!S.processExists(Int32(pid)), "pid \(pid) survived the runtime")
        }
        for id in ids {
            #expect(hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:143:runtimeShutdown"])
        }
    }

    @Test func explicitStartStopAndDestroy() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let stub = getContainer(try t.durableObject("FIXTURE"), name: name)
            try await stub.call { (c: FixtureContainer) in try await c.startAndWaitForPorts() }
            #expect(try await stub.call { (c: FixtureContainer) in await c.getState().status } == "healthy")
            let exit = try await stub.call { (c: FixtureContainer) in await c.destroy() }
            #expect(exit?.exitCode == 137)
            #expect(await S.waitUntil { hooks.entries(id).contains("stop:137:destroyed") })
            try await stub.call { (c: FixtureContainer) in try await c.start() }
            let stopped = try await stub.call { (c: FixtureContainer) in await c.stop() }
            #expect(stopped?.exitCode == 143)
            await #expect(throws: ContainerError.self) {
                try await stub.call { (c: FixtureContainer) in try await c.startAndWaitForPorts([9999]) }
            }
        }
    }

    @Test func aStartThatNeverAnswersFiresOnErrorAndIs500() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["NO_LISTEN": "1", "PORT_TIMEOUT": "1"]) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let response = await t.dispatchFetch("/c/\(name)/")
            #expect(response.status.code == 500)
            let message = try await response.json()["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("Failed to start container: "), "\(message)")
            #expect(await S.waitUntil { hooks.count(id, prefix: "error:Failed to start container") == 1 })
            #expect(await S.waitUntil { hooks.count(id, prefix: "stop") == 1 }, "the process that never listened is stopped")
            #expect(hooks.count(id, prefix: "start") == 0)
        }
    }

    @Test func aStreamLongerThanSleepAfterIsNotCutAndKeepsTheInstance() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["SLEEP_AFTER": "1s"]) { t in
            let name = uniqueName()
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let response = await t.dispatchFetch("/c/\(name)/stream?chunks=16&intervalMs=100")
            let text = try await response.text()
            #expect(text.split(separator: "\n").count == 16, "the whole stream arrived")
            #expect(S.processExists(Int32(pid)), "alive right after a 1.5 s stream with sleepAfter 1 s")
            #expect(try await get(t, name)["pid"] as? Int == pid)
        }
    }

    @Test func aClientAbortMidStreamReleasesTheInstanceAndItSleeps() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["SLEEP_AFTER": "1s"]) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let supervisor = try #require(t.runtime.subsystem(ContainersSubsystem.self)?.supervisor)
            do {
                // A stream of hours, dropped after its first chunk: the instance sleeping at all
                // shows the abort did not pin it, with no deadline to race on a loaded machine.
                let response = await t.dispatchFetch("/c/\(name)/stream?chunks=100000&intervalMs=100")
                var it = response.body.makeAsyncIterator()
                #expect(try await it.next() != nil)
                #expect(await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 1)
            }
            #expect(await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 0, "the abort released its count")
            let aborted = ContinuousClock.now
            #expect(await S.waitUntil(timeout: .seconds(120)) { !S.processExists(Int32(pid)) }, "asleep long before the stream would have ended")
            #expect(ContinuousClock.now - aborted >= .milliseconds(900), "but not before sleepAfter")
            #expect(await S.waitUntil { hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:143:stopped"] })
        }
    }

    @Test func overTheMemoryLimitIsKilledAndReportedToOnStop() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["MEMORY_MB": "48"]) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let hog = await t.dispatchFetch("/c/\(name)/alloc?mb=200")
            #expect(hog.status.code == 500, "the connection died with the process")
            #expect(await S.waitUntil { hooks.count(id, prefix: "stop") == 1 })
            #expect(hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:137:memoryLimit"])
            #expect(!S.processExists(Int32(pid)))
            let state = try await getContainer(t.durableObject("FIXTURE"), name: name).call { (c: FixtureContainer) in await c.getState() }
            #expect(state.status == "stopped_with_code" && state.exitCode == 137)
            #expect(try await get(t, name)["pid"] as? Int != pid, "the next request starts a fresh process")
        }
    }

    @Test func aScratchDirectoryOverTheDiskLimitIsKilledAndReportedToOnStop() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["DISK_MB": "8"]) { t in
            let name = uniqueName()
            let id = try objectID(t, name)
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            #expect(limits.contains("Max file size             8388608"), "each file is bounded by the disk too")
            #expect(try await get(t, name, "/fill?mb=5&name=a")["written"] as? Int == 5 << 20)
            try await Task.sleep(for: .milliseconds(1200))  // the supervisor measured it at least once
            #expect(S.processExists(Int32(pid)), "5 MiB of 8 is allowed")
            // 10 MiB of 8 is not: the supervisor's next measurement kills it, which on a busy machine
            // can come while the fill is still writing (then the fill answers 500, not 200).
            let second = await t.dispatchFetch("/c/\(name)/fill?mb=5&name=b")
            #expect(second.status == .ok || second.status == .internalServerError)
            #expect(await S.waitUntil(timeout: .seconds(120)) { hooks.count(id, prefix: "stop") == 1 }, "10 MiB of 8 is not")
            #expect(hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:137:diskLimit"])
            #expect(!S.processExists(Int32(pid)))
            let state = try await getContainer(t.durableObject("FIXTURE"), name: name).call { (c: FixtureContainer) in await c.getState() }
            #expect(state.status == "stopped_with_code" && state.exitCode == 137)
            let fresh = try await get(t, name)
            #expect(fresh["files"] as? [String] == [], "the next start gets an empty scratch directory")
        }
    }

    @Test func withoutInternetTheInstanceCannotReachTheHostButTheRuntimeReachesIt() async throws {
        let (listener, hostPort) = try S.hostListener()
        defer { close(listener) }
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["NO_INTERNET": "1"]) { t in
            let name = uniqueName()
            // The answer itself comes from inside the instance's namespace: the runtime reaches its port.
            let offline = try await get(t, name, "/connect?host=127.0.0.1&port=\(hostPort)")
            #expect(offline["ok"] as? Bool == false, "enableInternet = false reached the host's 127.0.0.1:\(hostPort)")
            #expect(offline["errno"] as? Int == Int(ECONNREFUSED), "its own loopback has no such listener")
            let info = try await get(t, name)
            let pid = try #require(info["pid"] as? Int)
            let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net") != mine, "own network namespace")
        }
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let online = try await get(t, uniqueName(), "/connect?host=127.0.0.1&port=\(hostPort)")
            #expect(online["ok"] as? Bool == true, "with internet the same listener is reachable")
        }
    }

    @Test func anOnActivityExpiredOverrideThatKeepsTheInstanceGetsAnotherPeriod() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let id = try t.durableObject("PATIENT").idFromName(name).hex
            let response = await t.dispatchFetch("/c/\(name)/", headers: [HTTPField.Name("x-binding")!: "PATIENT"])
            let pid = try #require(try await S.json(response)["pid"] as? Int)
            #expect(await S.waitUntil { hooks.entries(id).contains("expired:1") })
            #expect(S.processExists(Int32(pid)), "the override kept it running")
            #expect(await S.waitUntil { hooks.entries(id).contains("expired:2") })
            #expect(await S.waitUntil { !S.processExists(Int32(pid)) })
            #expect(await S.waitUntil { hooks.entries(id).filter { $0.hasPrefix("stop") } == ["stop:143:stopped"] })
        }
    }

    @Test func getContainerAndGetRandomNames() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let ns = try t.durableObject("FIXTURE")
            #expect(getContainer(ns).name == "cf-singleton-container")
            var seen = Set<String>()
            for _ in 0..<200 { seen.insert(getRandom(ns, instances: 3).name ?? "") }
            #expect(seen == ["instance-0", "instance-1", "instance-2"])
            let picked = getRandom(ns)
            #expect(picked.id == ns.idFromName(picked.name ?? ""))
        }
    }

    @Test func listAndLogsForTheCLI() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let inspector = ContainerInspector(stateDirectory: t.stateDirectory)
            #expect(await S.waitUntil(timeout: .seconds(60)) { inspector.list().first?.pid == Int32(pid) })
            let row = try #require(inspector.list().first)
            #expect(row.className == "FixtureContainer" && row.name == name && row.state == "healthy")
            #expect(row.id == (try objectID(t, name)) && row.port != nil && (row.memoryBytes ?? 0) > 0)
            let files = try inspector.logFiles(className: "FixtureContainer", name: name)
            #expect(files.count == 1)
            #expect(throws: ContainerError.self) { try inspector.logFiles(className: "FixtureContainer", name: "nobody") }
        }
    }

    @Test func outpostContainersListAndLogsCommands() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let pid = try #require(try await get(t, name)["pid"] as? Int)
            let inspector = ContainerInspector(stateDirectory: t.stateDirectory)
            #expect(await S.waitUntil(timeout: .seconds(60)) { inspector.list().first?.pid == Int32(pid) })
            let common = ["--config", t.directory + "/wrangler.toml", "--persist-to", t.stateDirectory]
            let list = try await CLIProcess.run(["containers", "list"] + common)
            #expect(list.status == 0, "\(list.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["class"] as? String == "FixtureContainer" && rows.first?["name"] as? String == name)
            #expect(rows.first?["pid"] as? Int == pid && rows.first?["state"] as? String == "healthy")
            let logs = try await CLIProcess.run(["containers", "logs", "FixtureContainer/\(name)"] + common)
            #expect(logs.status == 0, "\(logs.stderr)")
            #expect(!logs.stdout.isEmpty, "the fixture's banner is in its log")
            let missing = try await CLIProcess.run(["containers", "logs", "FixtureContainer/nobody"] + common)
            #expect(missing.status != 0 && missing.stderr.contains("No log for container FixtureContainer/nobody"))
        }
    }

    @Test func aContainerClassThatIsNotADurableObjectIsAConfigError() throws {
        let config = """
            name = "x"
            [[containers]]
            class_name = "Lonely"
            image = "\(S.fixture)"
            """
        #expect { _ = try TestRuntime(config: config, script: F.script) } throws: { "\($0)".contains("Lonely") }
    }
}
