import Foundation
import Logging
import Outpost
import OutpostTesting
import Testing

/// A cgroup per run, on a real instance the runtime runs: the `code-executor` executable under a
/// `ContainerSupervisor` (class `nested`, so the launcher delegates the instance's cgroup v1
/// directories to it). The kernel's own files on the host (`pids.current`, `memory.limit_in_bytes`,
/// the group directories themselves) are the independent reading.
@Suite("Code executor: a cgroup per run (supervised instance)", .serialized, .heavy)
struct CodeExecutorCgroupTests {
    /// The instance's group directories on the host, one per v1 controller (memory, pids, cpu).
    static func instanceGroups(instanceID: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            for controller in parts[1].split(separator: ",") where ["memory", "pids", "cpu"].contains(String(controller)) {
                let own = parts[2] == "/" ? "" : String(parts[2])
                let base = "/sys/fs/cgroup/\(controller)\(own)/outpost-containers"
                let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                if let name = names.first(where: { $0.hasPrefix("CodeExecutor-\(instanceID)-") }) { out[String(controller)] = base + "/" + name }
            }
        }
        return out
    }

    /// The run groups (`run-*`) under an instance group.
    static func runGroups(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("run-") }.map { dir + "/" + $0 }
    }

    static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func eachRunGetsItsOwnCgroupWithTheKernelEnforcingItsLimits() async throws {
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes") else {
            Issue.record("this host has no cgroup v1 memory controller: the per-run cgroup cannot be exercised")
            return
        }
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let options = ContainerStartOptions(envVars: ["JOB_CONCURRENCY": "4"], probe: ReadinessProbe(portTimeout: .seconds(60)))
        let supervisor = SupervisedCodeExecutor.supervisor(stateDirectory: state.path, label: "test.code-executor-cgroup")
        let runner = Task { try await supervisor.run() }
        let groups: [String: String]
        do {
            groups = try await Self.check(supervisor, options: options)
        } catch {
            runner.cancel()
            try? await runner.value
            throw error
        }
        // A child group the instance left behind (a run cut short) goes with the instance's own groups.
        if let memory = groups["memory"] { #expect(mkdir(memory + "/run-left-behind", 0o755) == 0) }
        runner.cancel()
        try await runner.value
        // The runtime removes them once the instance's exit is handled (just after its waiters are told).
        let removalDeadline = Date().addingTimeInterval(HangGuard.seconds)
        while groups.values.contains(where: { FileManager.default.fileExists(atPath: $0) }), Date() < removalDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        for (controller, dir) in groups {
            #expect(!FileManager.default.fileExists(atPath: dir), "the runtime removed the instance's \(controller) group and its children")
        }
    }

    /// The runs; answers the instance's groups on the host.
    static func check(_ supervisor: ContainerSupervisor, options: ContainerStartOptions) async throws -> [String: String] {
        let instanceID = "cg" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        @Sendable func execute(_ params: [String: Any]) async throws -> [String: Any] {
            let body = try JSONSerialization.data(withJSONObject: ["params": params])
            let response = try await supervisor.fetch(Request(method: .post, url: "/jobs/execute", headers: [.contentType: "application/json"],
                                                              body: Body(data: body)),
                                                      className: "CodeExecutor", instanceID: instanceID, options: options)
            let text = try await response.body.text()
            try #require(response.status == 200, "execute answered \(response.status): \(text.prefix(800))")
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(reply["result"] as? [String: Any])
        }

        // A first run starts the instance; its groups exist on the host from then on.
        let first = try await execute(["language": "python", "code": "print(6 * 7)"])
        #expect(first["stdout"] as? String == "42\n", "\(first)")
        let groups = instanceGroups(instanceID: instanceID)
        try #require(groups["memory"] != nil && groups["pids"] != nil, "the instance's groups on the host: \(groups)")
        for dir in groups.values { #expect(runGroups(dir).isEmpty, "a finished run's group is removed: \(runGroups(dir))") }
        // Delegated: the instance's directories belong to its own uid (not root), their limit files stay root's.
        var st = stat()
        #expect(stat(groups["memory"]!, &st) == 0 && st.st_uid != 0, "the instance owns its memory group directory")
        #expect(stat(groups["memory"]! + "/memory.limit_in_bytes", &st) == 0 && st.st_uid == 0, "its limit stays the runtime's")

        // cpuMs is the group's CPU time: it covers what the program itself measures.
        let busy = try await execute(["language": "python", "timeout": 30, "code": """
        import time
        x = 0
        while time.process_time() < 0.3:
            x += 1
        print(time.process_time())
        """])
        let own = Double((busy["stdout"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        print("busy run: own process_time \(own) s, cpuMs \(busy["cpuMs"] ?? "nil")")
        #expect(own >= 0.3 && (busy["cpuMs"] as? Double ?? 0) >= own * 1000, "\(busy)")

        // The security policies say so, from the values the runs use.
        let policies = try await supervisor.fetch(Request(method: .get, url: "/security-policies"), className: "CodeExecutor",
                                                  instanceID: instanceID, options: options)
        let policyText = try await policies.body.text()
        #expect(policyText.contains("\"pidsMax\":256"), "\(policyText.prefix(2000))")
        #expect(policyText.contains("\"delegated\":true"), "\(policyText.prefix(2000))")

        // A memory hog touching 1 MiB chunks: the kernel's OOM killer stops it at the run's 64 MB.
        let hog = try await execute(["language": "python", "timeout": 20, "memoryLimit": 64, "code": """
        chunks = []
        while True:
            chunks.append(b"x" * (1 << 20))
        """])
        print("memory hog: \(hog)")
        #expect(hog["oomKilled"] as? Bool == true, "\(hog)")
        #expect(hog["limitExceeded"] as? String == "memory", "\(hog)")
        #expect(hog["signal"] as? String == "SIGKILL", "\(hog)")
        #expect(hog["timedOut"] as? Bool == false, "killed at its memory limit, long before its timeout: \(hog)")
        let hogPeak = hog["peakMemoryBytes"] as? Int ?? 0
        #expect(hogPeak <= 64 << 20 && hogPeak > 48 << 20, "the kernel's peak sits at the 64 MiB limit: \(hogPeak)")
        for dir in groups.values { #expect(runGroups(dir).isEmpty, "the hog's group is removed: \(runGroups(dir))") }

        // peakMemoryBytes against a known allocation: 200 MiB written, plus the interpreter.
        let sized = try await execute(["language": "python", "timeout": 30, "memoryLimit": 512, "code": """
        data = b"y" * (200 << 20)
        print(len(data), [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1])
        """])
        print("200 MiB allocation: \(sized)")
        let fields = (sized["stdout"] as? String ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(fields.first == String(200 << 20), "\(sized)")
        let peak = sized["peakMemoryBytes"] as? Int ?? 0
        let highWater = (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * 1024
        #expect(peak >= 200 << 20 && peak <= 300 << 20, "peak \(peak) for a 200 MiB allocation")
        #expect(highWater > 200 << 20 && peak >= highWater - (8 << 20),
                "the group's peak \(peak) covers the process's own high-water mark \(highWater) (VmHWM)")
        #expect(sized["oomKilled"] as? Bool == false)

        // A fork bomb is held at pids.max while a concurrent run works normally.
        let bomb = Task { () throws -> (limit: String?, text: String) in
            let result = try await execute(["language": "python", "timeout": 8, "memoryLimit": 256, "code": """
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """])
            return (result["limitExceeded"] as? String, "\(result)")
        }
        // Wait (on the kernel's own counter) until the bomb fills its group.
        let pidsBase = try #require(groups["pids"])
        var bombGroup: String?
        var bombPids = 0
        let waitDeadline = Date().addingTimeInterval(HangGuard.seconds)
        while Date() < waitDeadline {
            for group in runGroups(pidsBase) {
                if let n = read(group + "/pids.current").flatMap({ Int($0) }), n >= 200 { bombGroup = group; bombPids = n }
            }
            if bombGroup != nil { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let held = try #require(bombGroup, "the fork bomb's group reached 200 processes")
        #expect(read(held + "/pids.max") == "256")
        let neighbour = try await execute(["language": "python", "timeout": 30, "code": """
        import subprocess
        print(sum(int(subprocess.run(["/bin/echo", "1"], capture_output=True).stdout) for _ in range(20)))
        """])
        let stillHeld = read(held + "/pids.current").flatMap { Int($0) }
        print("fork bomb held at \(bombPids) (then \(stillHeld ?? -1)); neighbour: \(neighbour)")
        #expect(neighbour["stdout"] as? String == "20\n", "a concurrent run forks normally beside the bomb: \(neighbour)")
        #expect(neighbour["exitCode"] as? Int == 0)
        #expect((stillHeld ?? 0) <= 256)
        let bombResult = try await bomb.value
        print("fork bomb: \(bombResult.text)")
        #expect(bombResult.limit == "processes", "\(bombResult.text)")
        #expect(FileManager.default.fileExists(atPath: held) == false, "the bomb's group is gone once its run ended")
        for dir in groups.values { #expect(runGroups(dir).isEmpty, "no run group is left: \(runGroups(dir))") }

        let after = try await execute(["language": "python", "code": "print(6 * 7)"])
        #expect(after["stdout"] as? String == "42\n", "the instance serves the next run: \(after)")
        return groups
    }
}
