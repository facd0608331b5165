import Foundation
import Outpost
import Testing

/// The launcher's isolation, checked on real processes through the supervisor.
@Suite("Sandbox", .serialized)
struct SandboxTests {
    typealias S = ContainerTestSupport

    @Test func environmentIsOnlyWhatTheRuntimePasses() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let opts = ContainerStartOptions(envVars: ["GREETING": "hi"], probe: ReadinessProbe(portTimeout: .seconds(60)), durableObjectID: "abc123")
            let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "env", options: opts))
            let env = try #require(info["env"] as? [String: String])
            // OUTPOST_READY_FD names the readiness pipe (a ServiceKit service writes a byte there once it listens).
            #expect(Set(env.keys) == ["CLOUDFLARE_APPLICATION_ID", "CLOUDFLARE_COUNTRY_A2", "CLOUDFLARE_LOCATION", "CLOUDFLARE_REGION",
                                      "CLOUDFLARE_DURABLE_OBJECT_ID", "PORT", "PORT_8080", "GREETING", "OUTPOST_READY_FD"])
            #expect(env["OUTPOST_READY_FD"] == "6")
            #expect(env["CLOUDFLARE_DURABLE_OBJECT_ID"] == "abc123")
            #expect(env["GREETING"] == "hi")
            let port = await sup.list().first?.port
            #expect(env["PORT"] == port.map(String.init))
            #expect(env["PORT_8080"] == env["PORT"], "the default port's variable names the same port")
        }
    }

    @Test func ownSessionProcessGroupNoNewPrivsAndSeccomp() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "iso", options: S.options())
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "iso")?.pid)
            #expect(getpgid(pid) == pid, "its own process group")
            #expect(getsid(pid) == pid, "its own session")
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            #expect(status.contains("NoNewPrivs:\t1"))
            #expect(status.contains("Seccomp:\t2"), "a seccomp filter is loaded")
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            let fsize = limits.split(separator: "\n").first { $0.hasPrefix("Max file size") } ?? ""
            #expect(fsize.contains("2000000000"), "file size bounded by the lite disk: \(fsize)")
            // This machine kind has writable cgroup v1 memory and cpu controllers: the lite limits apply there.
            if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/tasks") {
                let groups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).split(separator: "\n")
                func path(_ controller: String) -> String? {
                    groups.map { $0.split(separator: ":", maxSplits: 2) }.first { $0.count == 3 && $0[1].split(separator: ",").contains(Substring(controller)) }.map { String($0[2]) }
                }
                let memory = try #require(path("memory"))
                #expect(memory.contains("/outpost-containers/"))
                let limit = try String(contentsOfFile: "/sys/fs/cgroup/memory" + memory + "/memory.limit_in_bytes", encoding: .utf8)
                #expect(limit.trimmingCharacters(in: .whitespacesAndNewlines) == String(256 << 20))
                if let cpu = path("cpu"), cpu.contains("/outpost-containers/") {
                    let quota = try String(contentsOfFile: "/sys/fs/cgroup/cpu" + cpu + "/cpu.cfs_quota_us", encoding: .utf8)
                    #expect(quota.trimmingCharacters(in: .whitespacesAndNewlines) == "6250", "1/16 vCPU")
                }
            }
        }
    }

    @Test(arguments: ["ptrace", "mount"])
    func seccompDeniesWithEPERM(syscall: String) async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let r = try await S.json(sup.fetch(Request(url: "/syscall?name=\(syscall)"), className: "Fixture", instanceID: "sc", options: S.options()))
            #expect(r["result"] as? Int == -1)
            // Unfiltered, these fail differently (ESRCH for the missing pid, ENOENT for the missing target).
            #expect(r["errno"] as? Int == Int(EPERM), "\(syscall) gave \(r)")
        }
    }

    @Test func scratchDirIsFreshPerStartAndDeletedOnStop() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let opts = S.options()
            _ = try await sup.fetch(Request(url: "/write?name=marker"), className: "Fixture", instanceID: "disk", options: opts).body.text()
            let first = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "disk", options: opts))
            #expect(first["files"] as? [String] == ["marker"])
            #expect(first["cwd"] as? String == "/scratch", "the scratch dir is the working directory at a fixed path")
            let scratch1 = try #require(await sup.process(className: "Fixture", instanceID: "disk")?.scratchDirectory)
            #expect(FileManager.default.fileExists(atPath: scratch1 + "/marker"))
            await sup.stop(className: "Fixture", instanceID: "disk")
            #expect(!FileManager.default.fileExists(atPath: scratch1), "scratch dir deleted on stop")
            let second = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "disk", options: opts))
            #expect(second["files"] as? [String] == [])
            #expect(await sup.process(className: "Fixture", instanceID: "disk")?.scratchDirectory != scratch1)
            #expect(second["pid"] as? Int != first["pid"] as? Int)
        }
    }

    @Test func withoutInternetNothingOutsideIsReachableButTheRuntimeReachesThePort() async throws {
        let (listener, hostPort) = try S.hostListener()
        defer { close(listener) }
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let offline = try await S.json(sup.fetch(Request(url: "/connect?host=127.0.0.1&port=\(hostPort)"), className: "Fixture",
                                                     instanceID: "offline", options: S.options(internet: false)))
            #expect(offline["ok"] as? Bool == false, "enableInternet=false reached the host's 127.0.0.1:\(hostPort)")
            #expect(offline["errno"] as? Int == Int(ECONNREFUSED), "its own loopback has no such listener")
            let online = try await S.json(sup.fetch(Request(url: "/connect?host=127.0.0.1&port=\(hostPort)"), className: "Fixture",
                                                    instanceID: "online", options: S.options(internet: true)))
            #expect(online["ok"] as? Bool == true, "enableInternet=true reaches the host")
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "offline")?.pid)
            let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net") != mine, "own network namespace")
        }
    }

    @Test func overTheMemoryLimitIsKilledAndReported() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass(memory: 48 << 20)], events: events) { sup in
            try await sup.start(className: "Fixture", instanceID: "hog", options: S.options())
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "hog")?.pid)
            _ = try? await sup.fetch(Request(url: "/alloc?mb=200"), className: "Fixture", instanceID: "hog", options: S.options()).body.text()
            #expect(await S.waitUntil { !events.stops.isEmpty })
            let exit = try #require(events.stops.first)
            #expect(!S.processExists(pid))
            #expect(exit.exitCode == 137 && exit.signal == SIGKILL)
            #expect(exit.reason == .memoryLimit, "reported as over the memory limit: \(exit)")
            #expect(await sup.state(className: "Fixture", instanceID: "hog").exitCode == 137)
        }
    }

    @Test func launcherFailureIsAStartFailure() async throws {
        let events = EventLog()
        let cls = ContainerClass(name: "Broken", executable: "/nonexistent/program")
        try await S.withSupervisor(classes: [cls], events: events) { sup in
            do {
                try await sup.start(className: "Broken", instanceID: "x", options: S.options())
                Issue.record("start should fail")
            } catch let error as ContainerError {
                #expect(error.status == 500)
                #expect(error.message.hasPrefix("Failed to start container: mount: cannot map the image /nonexistent/program"), "\(error.message)")
            }
            #expect(events.startFailures.count == 1)
            #expect(await sup.state(className: "Broken", instanceID: "x").status == "stopped")
        }
    }
}
