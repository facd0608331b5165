import Foundation
import Glibc

/// The cgroups of one run (or one compilation): `run-<id>` under each of the instance's delegated
/// cgroup v1 directories (`OUTPOST_CGROUPS`, set by the runtime for a `nested` class), with the
/// run's memory (`memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` where swap is
/// accounted), process (`pids.max`) and CPU (`cpu.cfs_quota_us` per `cpu.cfs_period_us`) limits.
/// The spawn shim writes the run's first process into the opened `cgroup.procs` files before it
/// execs, so everything the run starts is counted. The kernel enforces the limits: its OOM killer
/// acts inside the group at the limit, forks fail at `pids.max`. Afterwards the peak memory and
/// the OOM-kill counter are read, any process left is killed and the groups are removed.
final class RunCgroup {
    /// The limits one group gets.
    struct Limits {
        var memoryBytes: Int
        var processes: Int = SandboxPolicy.runProcesses
        var cpus: Double = SandboxPolicy.runCPUs
    }

    /// The instance's delegated directories by controller (memory, pids, cpu), read once; empty
    /// when the instance was started without them (outside the runtime, or cgroups not writable).
    static let delegated: [String: String] = {
        guard let value = ProcessInfo.processInfo.environment["OUTPOST_CGROUPS"] else { return [:] }
        var out: [String: String] = [:]
        for pair in value.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }()

    /// The CPU quota's period (`cpu.cfs_period_us`).
    static let cpuPeriodMicroseconds = 100_000

    /// Whether runs get cgroups of their own here (the memory controller is the one required).
    static var isAvailable: Bool { delegated["memory"] != nil }

    /// Controller → this run's directory.
    let directories: [String: String]
    /// The opened `cgroup.procs` files, for the spawn shim (close-on-exec).
    let procsFDs: [Int32]

    private init(directories: [String: String], procsFDs: [Int32]) {
        self.directories = directories
        self.procsFDs = procsFDs
    }

    /// The groups for one run, or nil when none are delegated.
    static func create(_ limits: Limits) throws(SandboxError) -> RunCgroup? {
        guard isAvailable else { return nil }
        let name = "run-" + UUID().uuidString.lowercased()
        var made: [String: String] = [:]
        var fds: [Int32] = []
        func undo(_ message: String) -> SandboxError {
            for fd in fds { close(fd) }
            for dir in made.values { rmdir(dir) }
            return .setup("run cgroup: \(message)")
        }
        for controller in ["memory", "pids", "cpu", "cpuacct"] {
            guard let base = delegated[controller] else { continue }
            let dir = base + "/" + name
            guard mkdir(dir, 0o755) == 0 else { throw undo("mkdir \(dir): \(String(cString: strerror(errno)))") }
            made[controller] = dir
            switch controller {
            case "memory":
                guard write(dir + "/memory.limit_in_bytes", String(limits.memoryBytes)) else {
                    throw undo("setting \(dir)/memory.limit_in_bytes: \(String(cString: strerror(errno)))")
                }
                // memory + swap: no swap beyond the memory limit, where swap is accounted.
                _ = write(dir + "/memory.memsw.limit_in_bytes", String(limits.memoryBytes))
            case "cpuacct":
                break  // accounting only
            case "pids":
                guard write(dir + "/pids.max", String(limits.processes)) else { throw undo("setting \(dir)/pids.max") }
            default:
                let period = cpuPeriodMicroseconds
                var quota = Int(limits.cpus * Double(period))
                // A child's quota may not exceed its parent's (EINVAL): an instance below one CPU passes its own on.
                if let parent = read(base + "/cpu.cfs_quota_us").flatMap { Int($0) }, parent > 0,
                   let parentPeriod = read(base + "/cpu.cfs_period_us").flatMap { Int($0) }, parentPeriod > 0 {
                    quota = min(quota, parent * period / parentPeriod)
                }
                _ = write(dir + "/cpu.cfs_period_us", String(period))
                _ = write(dir + "/cpu.cfs_quota_us", String(max(1000, quota)))
            }
            let fd = open(dir + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw undo("opening \(dir)/cgroup.procs: \(String(cString: strerror(errno)))") }
            fds.append(fd)
        }
        return RunCgroup(directories: made, procsFDs: fds)
    }

    /// The most memory the group held at once (`memory.max_usage_in_bytes`: resident memory, page
    /// cache and the run's tmpfs pages), bytes.
    var peakMemoryBytes: Int? {
        directories["memory"].flatMap { read($0 + "/memory.max_usage_in_bytes") }.flatMap { Int($0) }
    }

    /// CPU time of every process the run had (`cpuacct.usage`, its own hierarchy or co-mounted with cpu), ms.
    var cpuMs: Double? {
        for controller in ["cpuacct", "cpu"] {
            if let ns = directories[controller].flatMap({ read($0 + "/cpuacct.usage") }).flatMap({ Double($0) }) { return ns / 1e6 }
        }
        return nil
    }

    /// Whether the kernel's OOM killer killed a process of the group (`oom_kill` of `memory.oom_control`).
    var oomKilled: Bool {
        guard let text = directories["memory"].flatMap({ read($0 + "/memory.oom_control") }) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return (Int(line.dropFirst(9)) ?? 0) > 0
        }
        return false
    }

    /// Whether a fork or clone of the run failed at `pids.max` (the `max` counter of `pids.events`).
    var processLimitHit: Bool {
        guard let text = directories["pids"].flatMap({ read($0 + "/pids.events") }) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("max ") {
            return (Int(line.dropFirst(4)) ?? 0) > 0
        }
        return false
    }

    /// Processes still in the group (pids as the service sees them).
    var members: [pid_t] {
        guard let dir = directories["memory"] ?? directories.values.first, let text = read(dir + "/cgroup.procs") else { return [] }
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Kills every process of the group.
    func killAll() {
        for pid in members { kill(pid, SIGKILL) }
    }

    /// Kills what is left and removes the groups once they are empty (the kernel frees a killed
    /// process's group membership as it exits: a few milliseconds). Gives up after `patienceSeconds`,
    /// leaving the empty-to-be groups to the runtime, which removes them with the instance's.
    func remove(patienceSeconds: Double = 10) {
        for fd in procsFDs { close(fd) }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(patienceSeconds * 1e9)
        var pending = Array(directories.values)
        while !pending.isEmpty {
            killAll()
            pending = pending.filter { rmdir($0) != 0 && errno != ENOENT }
            if pending.isEmpty || DispatchTime.now().uptimeNanoseconds > deadline { break }
            usleep(2_000)
        }
    }

    private static func write(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } >= 0
    }

    private static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func read(_ path: String) -> String? { Self.read(path) }
}
