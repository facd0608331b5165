import Foundation
import Glibc

/// One sandboxed process: the rlimits (set by the spawn shim before it execs), then the argv of
/// `bwrap` (namespaces, the filesystem view, seccomp) and the program, all from `SandboxPolicy`.
struct SandboxCommand {
    /// The program and its arguments, as seen inside the sandbox.
    var program: [String]
    /// Environment inside the sandbox (nothing of the instance's own is passed on).
    var environment: [String: String] = [:]
    /// Host directory holding the run's files (sources, files, inputs.json): bubblewrap copies each
    /// into the fresh work directory (`--file FD /work/NAME`, from descriptors the spawn passes on).
    var stagingDirectory: String?
    /// Extra host directories mapped read-only (host path → sandbox path), e.g. a compiled artifact.
    var readOnly: [(host: String, sandbox: String)] = []
    /// Extra host directories mapped read-write (host path → sandbox path): only a compiler's output and cache.
    var readWrite: [(host: String, sandbox: String)] = []
    /// CPU seconds (RLIMIT_CPU, soft = hard: SIGKILL at the limit).
    var cpuSeconds: Int
    /// RLIMIT_AS in bytes, or nil for none (runtimes that reserve large address ranges).
    var addressSpaceBytes: Int?
    /// Set for a run with `allowNetworking`: it keeps the instance's network namespace (only `lo`,
    /// where this proxy listens) instead of an empty one of its own, and gets the proxy variables.
    var egress: EgressAccess?

    /// The rlimits of the process (resource, soft = hard value), set before bubblewrap starts.
    var rlimits: [(resource: Int32, value: UInt64)] {
        var limits: [(resource: Int32, value: UInt64)] = [
            (Int32(RLIMIT_CPU.rawValue), UInt64(cpuSeconds)), (Int32(RLIMIT_FSIZE.rawValue), SandboxPolicy.fileSizeBytes),
            (Int32(RLIMIT_NOFILE.rawValue), SandboxPolicy.openFiles), (Int32(__RLIMIT_NPROC.rawValue), SandboxPolicy.processes),
            (Int32(RLIMIT_CORE.rawValue), SandboxPolicy.coreBytes),
        ]
        if let addressSpaceBytes { limits.append((Int32(RLIMIT_AS.rawValue), UInt64(addressSpaceBytes))) }
        return limits
    }

    /// The names of the staged files, in the order their descriptors follow the seccomp program's.
    func stagedFiles() -> [String] {
        guard let stagingDirectory else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory)) ?? []).sorted()
    }

    /// The first descriptor number of the staged files in bubblewrap (after stdin, stdout, stderr and the seccomp program).
    static let firstFileDescriptor = 4

    /// The full argv, starting with an absolute path; `files` from `stagedFiles()`.
    func argv(seccompFD: Int32?, files: [String]) -> [String] {
        var args = [Self.bubblewrap]
        let namespaces = SandboxPolicy.namespaces.filter { egress == nil || $0 != "net" }
        args += namespaces.map { $0 == "cgroup" ? "--unshare-cgroup-try" : "--unshare-\($0)" }
        args += ["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000"]
        for path in SandboxPolicy.readOnlySystemPaths where FileManager.default.fileExists(atPath: path) {
            args += ["--ro-bind", path, path]
        }
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--size", String(SandboxPolicy.workDirectoryBytes), "--perms", "0755", "--tmpfs", SandboxPolicy.workDirectory]
        for (index, name) in files.enumerated() {
            args += ["--perms", "0644", "--file", String(Self.firstFileDescriptor + index), SandboxPolicy.workDirectory + "/" + name]
        }
        for map in readOnly { args += ["--ro-bind", map.host, map.sandbox] }
        for map in readWrite { args += ["--bind", map.host, map.sandbox] }
        // The root and /dev bubblewrap builds are tmpfs: read-only once every mount is in place
        // (device nodes such as /dev/null stay writable).
        args += ["--remount-ro", "/", "--remount-ro", "/dev"]
        args += ["--chdir", SandboxPolicy.workDirectory, "--clearenv"]
        let base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": SandboxPolicy.workDirectory, "TMPDIR": SandboxPolicy.workDirectory,
                    "LANG": "C.UTF-8"]
        let proxy = egress?.environment ?? [:]
        for (key, value) in base.merging(environment, uniquingKeysWith: { $1 }).merging(proxy, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            args += ["--setenv", key, value]
        }
        if let seccompFD { args += ["--seccomp", String(seccompFD)] }
        args.append("--")
        return args + program
    }

    static let bubblewrap = "/usr/bin/bwrap"
}
