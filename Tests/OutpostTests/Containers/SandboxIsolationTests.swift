import Foundation
import Outpost
import OutpostTesting
import Testing

extension ContainerTestSupport {
    /// The first uid of the sandbox's range: each instance runs as this + its launcher's pid.
    static let firstInstanceID = 1_000_000

    /// Direct children of `pid` (scans /proc: this kernel has no /proc/PID/task/TID/children).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// The service's host pid: the launcher's child is the instance's init, whose child is the service.
    static func servicePID(launcher pid: Int32) -> Int32? {
        children(of: pid).first.flatMap { children(of: $0).first }
    }

    /// `Name:\tvalue` from /proc/PID/status, as seen from the host.
    static func statusField(_ pid: Int32, _ name: String) -> String? {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
    }

    /// The four uids (real, effective, saved, fs) of a host process.
    static func uids(_ pid: Int32) -> [Int] {
        (statusField(pid, "Uid") ?? "").split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { Int($0) }
    }
}

/// The sandbox around every instance (issue 21): its own unprivileged uid, its own filesystem view
/// and its own pid namespace, checked from the host and from inside on real processes.
@Suite("Sandbox isolation", .serialized)
struct SandboxIsolationTests {
    typealias S = ContainerTestSupport

    func get(_ sup: ContainerSupervisor, _ path: String, instance: String = "iso", options: ContainerStartOptions = S.options()) async throws -> [String: Any] {
        let target = path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? path
        return try await S.json(sup.fetch(Request(url: target), className: "Fixture", instanceID: instance, options: options))
    }

    @Test func theServiceAndItsLauncherRunAsTheInstancesOwnUserWithNoCapabilities() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let inside = try await get(sup, "/whoami")
            let launcher = try #require(await sup.process(className: "Fixture", instanceID: "iso")?.pid)
            let service = try #require(S.servicePID(launcher: launcher), "the service runs below the launcher")
            let expected = S.firstInstanceID + Int(launcher)
            let pidMax = Int((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4_194_304
            #expect((S.firstInstanceID..<(S.firstInstanceID + pidMax)).contains(expected))
            #expect(S.uids(service) == [expected, expected, expected, expected], "the service's uid seen from the host")
            #expect(S.uids(launcher) == [expected, expected, expected, expected], "the launcher left root once the sandbox was built")
            for pid in [launcher, service] {
                #expect(S.statusField(pid, "CapEff") == "0000000000000000")
                #expect(S.statusField(pid, "CapBnd") == "0000000000000000")
                #expect(S.statusField(pid, "CapPrm") == "0000000000000000")
                #expect(S.statusField(pid, "NoNewPrivs") == "1")
                #expect(S.statusField(pid, "Seccomp") == "2")
            }
            #expect(inside["uid"] as? Int == expected && inside["gid"] as? Int == expected)
            #expect(inside["capEff"] as? String == "0000000000000000" && inside["capBnd"] as? String == "0000000000000000")
            #expect(inside["pid"] as? Int == 2, "pid 2 of its own namespace, below a tiny init")
        }
    }

    @Test func hostSecretsStateHomeWorkspaceAndBinariesAreInvisible() async throws {
        let state = S.stateDirectory()
        let secret = state + "/kv.sqlite"
        try "api key hashes".write(toFile: secret, atomically: true, encoding: .utf8)
        try await S.withSupervisor(classes: [S.fixtureClass()], stateDirectory: state) { sup in
            let shadow = try await get(sup, "/read?path=/etc/shadow")
            #expect(shadow["ok"] as? Bool == false)
            let etc = try #require(try await get(sup, "/list?path=/etc")["entries"] as? [String])
            #expect(!etc.contains("shadow") && !etc.contains("gshadow") && !etc.contains("sudoers") && !etc.contains("ssh"))
            #expect(etc.contains("passwd") && etc.contains("resolv.conf"), "the harmless files are there: \(etc)")
            #expect(try await get(sup, "/read?path=/etc/ssl/private")["ok"] as? Bool == false)
            #expect(try await get(sup, "/read?path=\(secret)")["ok"] as? Bool == false, "the state directory's files")
            #expect(try await get(sup, "/list?path=\(state)")["ok"] as? Bool == false, "the state directory")
            #expect(try await get(sup, "/list?path=/root")["ok"] as? Bool == false, "the host's home")
            #expect(try await get(sup, "/list?path=/home")["ok"] as? Bool == false)
            // The image is bound as a single file at its own path (or at /image/<name> when the
            // build lies under /tmp): nothing else of its directory shows.
            let bin = (try await get(sup, "/list?path=\(S.binDirectory)")["entries"] as? [String]) ?? []
            #expect(bin.allSatisfy { $0 == "container-fixture" }, "the build directory shows only the image: \(bin)")
            #expect(try await get(sup, "/read?path=\(S.launcher)")["ok"] as? Bool == false, "the runtime's binaries")
            let workspace = ((S.binDirectory as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            let listed = (try await get(sup, "/list?path=\(workspace)")["entries"] as? [String]) ?? []
            #expect(!listed.contains("Package.swift") && !listed.contains("Sources"), "the workspace: \(listed)")
            let root = try #require(try await get(sup, "/list?path=/")["entries"] as? [String])
            #expect(!root.contains("root") && !root.contains("home") && !root.contains("sys") && !root.contains("run"), "\(root)")
        }
    }

    @Test func onlyTheScratchDirectoryIsWritableAndTheHostsTmpIsUntouched() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let name = "outpost-sandbox-probe-" + UUID().uuidString
            for path in ["/etc/\(name)", "/usr/\(name)", "/\(name)", "/dev/\(name)", S.binDirectory + "/\(name)"] {
                let r = try await get(sup, "/write?path=\(path)")
                #expect(r["written"] as? Bool == false, "\(path) is not writable")
            }
            #expect(try await get(sup, "/write?path=/tmp/\(name)")["written"] as? Bool == true, "its own /tmp is")
            #expect(!FileManager.default.fileExists(atPath: "/tmp/\(name)"), "the host's /tmp is unchanged")
            let scratch = try #require(await sup.process(className: "Fixture", instanceID: "iso")?.scratchDirectory)
            #expect(FileManager.default.fileExists(atPath: scratch + "/\(name)"), "/tmp is the instance's scratch directory (its disk limit applies)")
            let cwd = try await get(sup, "/")
            #expect(cwd["cwd"] as? String == "/scratch")
            #expect(cwd["files"] as? [String] == [name])
        }
    }

    @Test func anotherInstancesScratchFilesAreUnreadable() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            #expect(try await get(sup, "/write?name=secret", instance: "a")["written"] as? Bool == true)
            _ = try await get(sup, "/", instance: "b")
            let scratchA = try #require(await sup.process(className: "Fixture", instanceID: "a")?.scratchDirectory)
            let scratchB = try #require(await sup.process(className: "Fixture", instanceID: "b")?.scratchDirectory)
            #expect(FileManager.default.fileExists(atPath: scratchA + "/secret"))
            #expect(try await get(sup, "/read?path=\(scratchA)/secret", instance: "b")["ok"] as? Bool == false, "by its host path")
            #expect(try await get(sup, "/list?path=\((scratchA as NSString).deletingLastPathComponent)", instance: "b")["ok"] as? Bool == false)
            #expect(try await get(sup, "/read?path=/scratch/secret", instance: "b")["ok"] as? Bool == false, "nor in its own")
            // On the host each scratch dir belongs to its instance's uid, mode 0700.
            let a = try FileManager.default.attributesOfItem(atPath: scratchA), b = try FileManager.default.attributesOfItem(atPath: scratchB)
            #expect((a[.ownerAccountID] as? NSNumber) != (b[.ownerAccountID] as? NSNumber))
            #expect((a[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        }
    }

    @Test func theRuntimeAndOtherInstancesAreNotVisibleFromInside() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            _ = try await get(sup, "/", instance: "other")
            let other = try #require(await sup.process(className: "Fixture", instanceID: "other")?.pid)
            let procs = try #require(try await get(sup, "/list?path=/proc")["entries"] as? [String])
            let pids = Set(procs.compactMap { Int($0) })
            #expect(pids == [1, 2], "only its init and itself: \(pids.sorted())")
            for pid in [Int(getpid()), Int(other)] {
                let r = try await get(sup, "/kill?pid=\(pid)&sig=0")
                #expect(r["result"] as? Int == -1 && r["errno"] as? Int == Int(ESRCH), "pid \(pid): \(r)")
            }
        }
    }

    @Test func aSigtermToTheLauncherAloneReachesTheServiceAndItsStatusIsTheExit() async throws {
        let events = EventLog()
        try await S.withSupervisor(classes: [S.fixtureClass()], events: events) { sup in
            _ = try await get(sup, "/")
            let launcher = try #require(await sup.process(className: "Fixture", instanceID: "iso")?.pid)
            let service = try #require(S.servicePID(launcher: launcher))
            kill(launcher, SIGTERM)  // not the group: the launcher forwards it to the init, which passes it on
            #expect(await S.waitUntil { !events.stops.isEmpty })
            let exit = try #require(events.stops.first)
            #expect(exit.exitCode == 128 + SIGTERM && exit.signal == SIGTERM, "\(exit)")
            #expect(!S.processExists(service))
            // A new start; the service's own exit code comes through unchanged.
            _ = try? await sup.fetch(Request(url: "/crash?code=7"), className: "Fixture", instanceID: "iso", options: S.options()).body.text()
            #expect(await S.waitUntil { events.stops.count == 2 })
            #expect(events.stops.last?.exitCode == 7 && events.stops.last?.signal == nil, "\(String(describing: events.stops.last))")
        }
    }

    @Test func killingTheLauncherTakesTheWholeNamespaceWithIt() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            _ = try await get(sup, "/")
            let launcher = try #require(await sup.process(className: "Fixture", instanceID: "iso")?.pid)
            let initPID = try #require(S.children(of: launcher).first)
            let service = try #require(S.servicePID(launcher: launcher))
            kill(launcher, SIGKILL)  // what the orphan reaper does to a leftover launcher
            #expect(await S.waitUntil { !S.processExists(initPID) && !S.processExists(service) }, "the init and the service die with it")
        }
    }

    @Test func aMissingOrNonExecutableImageFailsTheStartNamingThePathAndTheStage() async throws {
        let notExecutable = "/var/tmp/outpost-not-executable-" + UUID().uuidString
        FileManager.default.createFile(atPath: notExecutable, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: notExecutable) }
        let cases = [("Missing", "/nonexistent/program", "mount: cannot map the image /nonexistent/program"),
                     ("NotExecutable", notExecutable, "exec: cannot execute \(notExecutable)")]
        let classes = cases.map { ContainerClass(name: $0.0, executable: $0.1) }
        try await S.withSupervisor(classes: classes) { sup in
            for (name, _, message) in cases {
                do {
                    try await sup.start(className: name, instanceID: "x", options: S.options())
                    Issue.record("\(name): the start should fail")
                } catch let error as ContainerError {
                    #expect(error.status == 500)
                    #expect(error.message.hasPrefix("Failed to start container: \(message)"), "\(error.message)")
                }
                #expect(await sup.state(className: name, instanceID: "x").status == "stopped")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "needs gcc to build an image with a library outside the sandbox"))
    func anImageNeedingALibraryOutsideTheSandboxFailsNamingTheLibrary() async throws {
        let dir = "/var/tmp/outpost-libtest-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "int outpost_outside(void) { return 0; }\n".write(toFile: dir + "/outside.c", atomically: true, encoding: .utf8)
        try "int outpost_outside(void);\nint main(void) { return outpost_outside(); }\n".write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
        for args in [["-shared", "-fPIC", "-o", dir + "/liboutside.so", dir + "/outside.c"],
                     ["-o", dir + "/image", dir + "/main.c", "-L" + dir, "-loutside", "-Wl,-rpath," + dir]] {
            let gcc = ChildProcess()
            gcc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
            gcc.arguments = args
            try gcc.run()
            gcc.waitUntilExit()
            try #require(gcc.terminationStatus == 0, "gcc \(args)")
        }
        try await S.withSupervisor(classes: [ContainerClass(name: "Outside", executable: dir + "/image")]) { sup in
            do {
                try await sup.start(className: "Outside", instanceID: "x", options: S.options())
                Issue.record("the start should fail")
            } catch let error as ContainerError {
                #expect(error.status == 500)
                #expect(error.message.contains("exited (exit 127)") && error.message.contains("liboutside.so"), "\(error.message)")
            }
        }
    }

    @Test func withoutTheNestedKeyAServiceCannotUnshareWithItItCanRunBubblewrap() async throws {
        let nested = ContainerClass(name: "Nested", executable: S.fixture, sandbox: ContainerSandbox(nested: true))
        try await S.withSupervisor(classes: [S.fixtureClass(), nested]) { sup in
            let bwrap = "/usr/bin/bwrap,--unshare-all,--die-with-parent,--ro-bind,/usr,/usr,--symlink,usr/lib,/lib,--symlink,usr/lib64,/lib64,--symlink,usr/bin,/bin,--proc,/proc,--dev,/dev,--tmpfs,/tmp,/usr/bin/true"
            let plain = try await get(sup, "/unshare")
            #expect(plain["errno"] as? Int == Int(EPERM), "a class without the key cannot unshare: \(plain)")
            let plainRun = try await get(sup, "/run?argv=\(bwrap)")
            #expect(plainRun["status"] as? Int != 0, "nor run bubblewrap: \(plainRun)")
            #expect(try await get(sup, "/syscall?name=mount")["errno"] as? Int == Int(EPERM))

            func nestedGet(_ path: String) async throws -> [String: Any] {
                try await S.json(sup.fetch(Request(url: path), className: "Nested", instanceID: "n", options: S.options()))
            }
            let allowed = try await nestedGet("/unshare")
            #expect(allowed["errno"] as? Int == 0, "a nested class can create user, mount, pid and net namespaces: \(allowed)")
            let run = try await nestedGet("/run?argv=\(bwrap)")
            #expect(run["status"] as? Int == 0, "bubblewrap runs inside: \(run)")
            #expect(try await nestedGet("/kill?pid=\(getpid())&sig=0")["errno"] as? Int == Int(ESRCH), "still its own pid namespace")
            #expect(try await nestedGet("/read?path=/etc/shadow")["ok"] as? Bool == false, "and its own filesystem view")
        }
    }

    @Test func readOnlyPathsOfTheClassAreVisibleButNotWritable() async throws {
        let dir = "/var/tmp/outpost-models-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "weights".write(toFile: dir + "/model.bin", atomically: true, encoding: .utf8)
        let cls = ContainerClass(name: "Fixture", executable: S.fixture, sandbox: ContainerSandbox(readOnlyPaths: [dir]))
        try await S.withSupervisor(classes: [cls]) { sup in
            let r = try await get(sup, "/read?path=\(dir)/model.bin")
            #expect(r["ok"] as? Bool == true && r["text"] as? String == "weights")
            #expect(try await get(sup, "/write?path=\(dir)/x")["errno"] as? Int == Int(EROFS))
            #expect(try await get(sup, "/list?path=/var/tmp")["entries"] as? [String] == [(dir as NSString).lastPathComponent])
        }
    }

    @Test func sandboxKeysParseFromWranglerTomlAndUnknownOnesWarn() throws {
        var loader = ConfigLoader(path: "wrangler.toml")
        let config = try loader.parse("""
            name = "x"
            [[durable_objects.bindings]]
            name = "RUNNER"
            class_name = "Runner"
            [[containers]]
            class_name = "Runner"
            image = "/usr/bin/true"
            sandbox = { nested = true, read_only_paths = ["/opt/models"], colour = "blue" }
            """)
        #expect(config.containers.first?.sandbox == ContainerSandbox(readOnlyPaths: ["/opt/models"], nested: true))
        #expect(loader.warnings.contains { $0.message.contains("\"colour\"") && $0.message.contains("sandbox") })
        let binding = "name = \"x\"\n[[durable_objects.bindings]]\nname = \"R\"\nclass_name = \"R\"\n"
        var bad = ConfigLoader(path: "wrangler.toml")
        #expect(throws: ConfigError.self) {
            try bad.parse(binding + "[[containers]]\nclass_name = \"R\"\nimage = \"/usr/bin/true\"\nsandbox = { read_only_paths = [\"relative\"] }\n")
        }
        var plain = ConfigLoader(path: "wrangler.toml")
        let defaults = try plain.parse(binding + "[[containers]]\nclass_name = \"R\"\nimage = \"/usr/bin/true\"\n")
        #expect(defaults.containers.first?.sandbox == ContainerSandbox())
    }

    @Test func anImageUnderTmpIsMappedAtImageAndRunsWithoutSeeingTheHostsTmp() async throws {
        // A checkout under /tmp builds its images there; /tmp inside is the instance's own, so
        // the image is mapped at /image/<name> instead.
        let underTmp = NSTemporaryDirectory() + "outpost-image-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: S.fixture, toPath: underTmp)
        defer { try? FileManager.default.removeItem(atPath: underTmp) }
        try await S.withSupervisor(classes: [ContainerClass(name: "UnderTmp", executable: underTmp)]) { sup in
            let who = try await S.json(sup.fetch(Request(url: "/whoami"), className: "UnderTmp", instanceID: "t", options: S.options()))
            #expect((who["uid"] as? Int ?? 0) >= S.firstInstanceID || getuid() != 0)
            let tmp = try await S.json(sup.fetch(Request(url: "/list?path=/tmp"), className: "UnderTmp", instanceID: "t", options: S.options()))
            #expect((tmp["entries"] as? [String] ?? ["?"]).isEmpty, "its /tmp is its own scratch: \(tmp)")
            let image = try await S.json(sup.fetch(Request(url: "/list?path=/image"), className: "UnderTmp", instanceID: "t", options: S.options()))
            #expect(image["entries"] as? [String] == [(underTmp as NSString).lastPathComponent], "\(image)")
        }
    }

    @Test func throughTheContainerObjectTheInstanceIsUnprivilegedAndABadImageIsA500() async throws {
        // Executable on the host, but its interpreter is nowhere: exec fails inside the sandbox.
        let broken = "/var/tmp/outpost-broken-image-" + UUID().uuidString
        FileManager.default.createFile(atPath: broken, contents: Data("#!/nonexistent/interpreter\n".utf8), attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let config = """
            name = "containers-test"
            [[durable_objects.bindings]]
            name = "FIXTURE"
            class_name = "FixtureContainer"
            [[containers]]
            class_name = "FixtureContainer"
            image = "\(S.fixture)"
            [[durable_objects.bindings]]
            name = "BROKEN"
            class_name = "PatientContainer"
            [[containers]]
            class_name = "PatientContainer"
            image = "\(broken)"
            """
        try await TestRuntime.with(config: config, script: ContainerObjectFixtures.script) { t in
            let name = "sbx-" + UUID().uuidString.prefix(8).lowercased()
            let who = try await S.json(t.dispatchFetch("/c/\(name)/whoami"))
            #expect((who["uid"] as? Int ?? 0) >= S.firstInstanceID)
            #expect(who["capEff"] as? String == "0000000000000000")
            let shadow = try await S.json(t.dispatchFetch("/c/\(name)/read?path=/etc/shadow"))
            #expect(shadow["ok"] as? Bool == false)
            let brokenResponse = await t.dispatchFetch("/c/\(name)/", headers: [HTTPField.Name("x-binding")!: "BROKEN"])
            #expect(brokenResponse.status.code == 500)
            let text = try await brokenResponse.body.text()
            #expect(text.contains("exec: cannot execute \(broken)"), "\(text)")
        }
    }
}
