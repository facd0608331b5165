import Glibc

/// The instance's own cgroup directories, handed to a nested instance (`--nested`) so its service can
/// make a child group per sandbox it builds (the code-executor's per-run cgroups).
///
/// The launcher, still privileged and still seeing the host's tree, makes each directory and its
/// membership files (`cgroup.procs`, `tasks`; v2's `cgroup.threads` and `cgroup.subtree_control`)
/// belong to the instance's uid, so it can create child groups (whose files it then owns) and move
/// its own processes into them. The limit files of the instance's directory stay the runtime's, and
/// both v1 (`memory.use_hierarchy` is always on) and v2 bound a child by its parent: nothing inside
/// can exceed the instance's limits. The init binds each directory read-write at
/// `/sys/fs/cgroup/<name>` in the view (the only part of `/sys` it shows), and the service finds
/// them in `OUTPOST_CGROUPS` (`name=path` pairs, comma-separated, e.g.
/// `memory=/sys/fs/cgroup/memory,pids=/sys/fs/cgroup/pids,cpu=/sys/fs/cgroup/cpu`).
struct CgroupDelegation {
    /// One delegated directory: its host path and where the view shows it.
    struct Directory {
        var host: String
        var name: String
        var viewPath: String { Self.viewRoot + "/" + name }
        static let viewRoot = "/sys/fs/cgroup"
    }

    static let environmentName = "OUTPOST_CGROUPS"
    /// Files the instance's uid may write in its own directory.
    static let membershipFiles = ["cgroup.procs", "tasks", "cgroup.threads", "cgroup.subtree_control"]

    let directories: [Directory]

    /// The directories of the `--cgroup-procs` files, named by their controller (v1: memory, pids,
    /// cpu, cpuacct; v2: unified). Unknown kinds are left out.
    init(procsFiles: [String]) {
        var dirs: [Directory] = []
        for file in procsFiles {
            guard let slash = file.lastIndex(of: "/") else { continue }
            let dir = String(file[..<slash])
            guard let name = Self.kind(of: dir), !dirs.contains(where: { $0.name == name }) else { continue }
            dirs.append(Directory(host: dir, name: name))
        }
        directories = dirs
    }

    private static func kind(of dir: String) -> String? {
        var st = stat()
        for (file, name) in [("cgroup.controllers", "unified"), ("memory.limit_in_bytes", "memory"), ("pids.max", "pids"),
                             ("cpu.cfs_quota_us", "cpu"), ("cpuacct.usage", "cpuacct")] where stat(dir + "/" + file, &st) == 0 {
            return name
        }
        return nil
    }

    /// Gives the directories to `identity`'s uid (nothing to do when the instance keeps the runtime's uid,
    /// which created them).
    func handOver(to identity: Identity) {
        guard identity.changesUser else { return }
        for dir in directories {
            if chown(dir.host, identity.uid, identity.gid) != 0 { fail("cgroup", "delegating \(dir.host)", errno: errno) }
            for file in Self.membershipFiles {
                let path = dir.host + "/" + file
                if chown(path, identity.uid, identity.gid) != 0 && errno != ENOENT { fail("cgroup", "delegating \(path)", errno: errno) }
            }
        }
    }

    /// The `OUTPOST_CGROUPS` entry of the service's environment.
    var environmentEntry: String {
        Self.environmentName + "=" + directories.map { "\($0.name)=\($0.viewPath)" }.joined(separator: ",")
    }
}
