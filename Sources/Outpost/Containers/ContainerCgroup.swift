import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers

/// The cgroup(s) one instance runs in: memory, CPU and pid limits from its instance type.
///
/// cgroup v2 is used when a writable v2 tree has the memory controller; otherwise the v1 memory,
/// cpu and pids controllers (this machine kind mounts v1 controllers plus a v2 `unified` tree that
/// only carries hugetlb). The runtime creates the groups and writes the limits; the launcher only
/// joins them by writing its pid, so it needs no knowledge of the layout. Groups nest under the
/// runtime's own cgroup, so any limit placed on the runtime still covers its containers.
struct ContainerCgroup: Sendable {
    enum Version: String, Sendable { case v1, v2 }

    let version: Version
    /// Directories created for this instance, removed after it exits.
    let directories: [String]
    /// Files the launcher writes its pid into.
    let procsFiles: [String]
    let memoryDirectory: String

    /// Which hierarchy is usable here, detected once.
    static let support: CgroupSupport = CgroupSupport.detect()

    /// Creates the groups for `name` with the given limits; nil when cgroups are not writable here.
    static func create(name: String, memoryBytes: Int64, vcpu: Double, maxPids: Int = 1024) -> ContainerCgroup? {
        switch support {
        case .none: return nil
        case .v2(let base):
            let dir = base + "/" + name
            guard mkdir(dir, 0o755) == 0 || errno == EEXIST else { return nil }
            let period = 100_000
            let quota = max(1000, Int(vcpu * Double(period)))
            _ = write(dir + "/memory.max", "\(memoryBytes)")
            _ = write(dir + "/memory.swap.max", "0")
            _ = write(dir + "/cpu.max", "\(quota) \(period)")
            _ = write(dir + "/pids.max", "\(maxPids)")
            return ContainerCgroup(version: .v2, directories: [dir], procsFiles: [dir + "/cgroup.procs"], memoryDirectory: dir)
        case .v1(let memory, let cpu, let pids, let cpuacct):
            let mem = memory + "/" + name
            guard mkdir(mem, 0o755) == 0 || errno == EEXIST else { return nil }
            guard write(mem + "/memory.limit_in_bytes", "\(memoryBytes)") else {
                rmdir(mem)
                return nil
            }
            _ = write(mem + "/memory.memsw.limit_in_bytes", "\(memoryBytes)")  // no swap either, when accounted
            var dirs = [mem]
            var procs = [mem + "/cgroup.procs"]
            if let cpu {
                let dir = cpu + "/" + name
                if mkdir(dir, 0o755) == 0 || errno == EEXIST {
                    _ = write(dir + "/cpu.cfs_period_us", "100000")
                    _ = write(dir + "/cpu.cfs_quota_us", "\(max(1000, Int(vcpu * 100_000)))")
                    dirs.append(dir)
                    procs.append(dir + "/cgroup.procs")
                }
            }
            if let pids {
                let dir = pids + "/" + name
                if mkdir(dir, 0o755) == 0 || errno == EEXIST {
                    _ = write(dir + "/pids.max", "\(maxPids)")
                    dirs.append(dir)
                    procs.append(dir + "/cgroup.procs")
                }
            }
            if let cpuacct {
                let dir = cpuacct + "/" + name
                if mkdir(dir, 0o755) == 0 || errno == EEXIST {
                    dirs.append(dir)
                    procs.append(dir + "/cgroup.procs")
                }
            }
            return ContainerCgroup(version: .v1, directories: dirs, procsFiles: procs, memoryDirectory: mem)
        }
    }

    /// True when the kernel's OOM killer fired inside this group.
    var oomKilled: Bool {
        let file = version == .v1 ? "/memory.oom_control" : "/memory.events"
        guard let text = try? String(contentsOfFile: memoryDirectory + file, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return (Int(line.dropFirst(9)) ?? 0) > 0
        }
        return false
    }

    /// Memory charged to the group (RSS + page cache) in bytes.
    var memoryUsage: Int64? {
        let file = version == .v1 ? "/memory.usage_in_bytes" : "/memory.current"
        return (try? String(contentsOfFile: memoryDirectory + file, encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Removes the groups (they must be empty: call after every member is gone), with any child groups
    /// a nested instance made in its delegated directories (see Containers.md, "Cgroups").
    func remove() {
        for dir in directories { Self.removeTree(dir) }
    }

    /// Removes `dir` after its child groups, deepest first (rmdir refuses groups holding processes).
    static func removeTree(_ dir: String, depth: Int = 0) {
        if depth < 8, let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            for name in entries {
                let child = dir + "/" + name
                let type = (try? FileManager.default.attributesOfItem(atPath: child))?[.type] as? FileAttributeType
                if type == .typeDirectory { removeTree(child, depth: depth + 1) }
            }
        }
        rmdir(dir)
    }

    @discardableResult
    static func write(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } >= 0
    }

    private static func mkdir(_ path: String, _ mode: mode_t) -> Int32 { Glibc.mkdir(path, mode) }
}
