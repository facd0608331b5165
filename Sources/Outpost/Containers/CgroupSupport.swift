import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers

/// The cgroup hierarchy the runtime can use for its containers.
enum CgroupSupport: Sendable, Equatable {
    case v2(base: String)
    /// `cpuacct` only when it is a hierarchy of its own (co-mounted with cpu, the cpu group has its files).
    case v1(memory: String, cpu: String?, pids: String?, cpuacct: String? = nil)
    case none

    var summary: String {
        switch self {
        case .v2(let base): "cgroup v2 at \(base)"
        case .v1(let memory, let cpu, let pids, _): "cgroup v1 (memory \(memory)\(cpu.map { ", cpu \($0)" } ?? "")\(pids.map { ", pids \($0)" } ?? ""))"
        case .none: "no writable cgroup hierarchy: containers run with rlimits only"
        }
    }

    private static let logged = NIOLockedValueBox(false)

    /// Says once per process which limits containers get here.
    static func logOnce(_ logger: Logger) {
        guard logged.withLockedValue({ let first = !$0; $0 = true; return first }) else { return }
        let support = ContainerCgroup.support
        if support == .none { logger.warning("Containers: \(support.summary)") } else { logger.info("Containers: memory and CPU limits via \(support.summary)") }
    }

    /// The per-runtime base directories (…/outpost-containers).
    var bases: [String] {
        switch self {
        case .v2(let base): [base]
        case .v1(let memory, let cpu, let pids, let cpuacct): [memory] + [cpu, pids, cpuacct].compactMap { $0 }
        case .none: []
        }
    }

    /// Removes instance groups left empty for over a minute (a crashed runtime, a cleanup that gave up).
    /// rmdir refuses groups that still hold processes, so live instances are never touched.
    func removeStaleGroups(olderThan age: TimeInterval = 60) {
        let fm = FileManager.default
        for base in bases {
            for name in (try? fm.contentsOfDirectory(atPath: base)) ?? [] {
                let dir = base + "/" + name
                guard let attrs = try? fm.attributesOfItem(atPath: dir), attrs[.type] as? FileAttributeType == .typeDirectory,
                      let modified = attrs[.modificationDate] as? Date, Date().timeIntervalSince(modified) > age else { continue }
                // A live instance's service sits in its top group: only a group without members loses its children.
                let members = (try? String(contentsOfFile: dir + "/cgroup.procs", encoding: .utf8)) ?? ""
                if members.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { ContainerCgroup.removeTree(dir) }
            }
        }
    }

    static func detect() -> CgroupSupport {
        let own = ownPaths()
        for root in ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"] {
            guard let controllers = try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8),
                  controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "memory" }) else { continue }
            let base = root + (own[""] ?? "") + "/outpost-containers"
            if makeBase(base) {
                _ = ContainerCgroup.write(base + "/cgroup.subtree_control", "+memory +cpu +pids")
                return .v2(base: base)
            }
        }
        func v1(_ controller: String) -> String? {
            let root = "/sys/fs/cgroup/" + controller
            guard FileManager.default.fileExists(atPath: root + "/tasks") else { return nil }
            let base = root + (own[controller] ?? "") + "/outpost-containers"
            return makeBase(base) ? base : nil
        }
        guard let memory = v1("memory") else { return .none }
        // cpuacct counts CPU time only (no limit): a nested instance reads its children's usage from it.
        let cpuacct = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpuacct.usage") ? nil : v1("cpuacct")
        return .v1(memory: memory, cpu: v1("cpu"), pids: v1("pids"), cpuacct: cpuacct)
    }

    /// The runtime's own cgroup path per controller ("" for the v2 entry).
    private static func ownPaths() -> [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = parts[2] == "/" ? "" : String(parts[2])
            for c in parts[1].split(separator: ",") { out[String(c)] = path }
            if parts[1].isEmpty { out[""] = path }
        }
        return out
    }

    private static func makeBase(_ path: String) -> Bool {
        if Glibc.mkdir(path, 0o755) != 0 && errno != EEXIST { return false }
        let probe = path + "/.probe-\(getpid())"
        guard Glibc.mkdir(probe, 0o755) == 0 else { return false }
        rmdir(probe)
        return true
    }
}
