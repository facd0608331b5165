import CodeExecutorDescriptor

/// `GET /security-policies`: the isolation and limits every run gets, read from `SandboxPolicy`
/// and the descriptor, the values the sandbox itself uses.
struct SecurityPolicies: Codable, Sendable {
    struct Range: Codable, Sendable { var min: Double; var max: Double; var defaultValue: Double }
    var sandbox: String
    var namespaces: [String]
    var readOnlyPaths: [String]
    var workDirectory: String
    var workDirectoryBytes: Int
    var network: String
    var seccomp: Seccomp
    var rlimits: [String: String]
    var limits: Limits
    var cgroupPerRun: CgroupPerRun
    var dieWithParent: Bool
    var newSession: Bool

    /// The run's own cgroup (see `RunCgroup`), or the fallback without one.
    struct CgroupPerRun: Codable, Sendable {
        /// Whether this instance was given cgroup directories of its own (OUTPOST_CGROUPS).
        var delegated: Bool
        var controllers: [String]
        var memory: String
        var pidsMax: Int
        var cpus: Double
        var cpuPeriodMicroseconds: Int
        var withoutCgroup: String
    }

    struct Seccomp: Codable, Sendable {
        var deniedSyscalls: [String]
        var deniedCloneFlags: [String]
        var clone3: String
    }
    struct Limits: Codable, Sendable {
        var timeoutSeconds: Range
        var memoryLimitMB: Range
        var maxCodeBytes: Int
        var maxPayloadBytes: Int
        var outputCapBytes: Int
        var compileTimeoutSeconds: Double
        var compileMemoryBytes: Int
        var watchdogIntervalMs: Int
    }

    static func current() -> SecurityPolicies {
        SecurityPolicies(
            sandbox: "bubblewrap " + SandboxCommand.bubblewrap + ", inside the instance's outpost-sandbox (nested = true)",
            namespaces: SandboxPolicy.namespaces,
            readOnlyPaths: SandboxPolicy.readOnlySystemPaths,
            workDirectory: SandboxPolicy.workDirectory, workDirectoryBytes: SandboxPolicy.workDirectoryBytes,
            network: EgressAccess.current.map {
                "none by default: a network namespace of its own with no interfaces but lo. allowNetworking=true: the instance's namespace, whose only way out is the runtime's egress proxy at \($0.proxyURL) (HTTP_PROXY/HTTPS_PROXY set; hosts the class's allowedHosts/deniedHosts do not allow get HTTP 520)"
            } ?? "none: a network namespace of its own with no interfaces but lo; allowNetworking=true is refused (this instance is not behind the runtime's egress proxy)",
            seccomp: Seccomp(deniedSyscalls: SandboxPolicy.deniedSyscalls, deniedCloneFlags: SandboxPolicy.deniedCloneFlags.map(\.name),
                             clone3: "ENOSYS (libc falls back to clone, whose flags the filter checks)"),
            rlimits: ["cpu": "timeout rounded up + 1 s", "fsize": String(SandboxPolicy.fileSizeBytes), "nofile": String(SandboxPolicy.openFiles),
                      "nproc": String(SandboxPolicy.processes) + " (per uid: the instance's processes and threads together)",
                      "core": String(SandboxPolicy.coreBytes),
                      "as": "memoryLimit + 256 MiB for python, sql, rust; none for javascript, typescript, go (their runtimes reserve address space up front)"],
            limits: Limits(
                timeoutSeconds: Range(min: CodeExecutorDescriptor.timeoutRange.lowerBound, max: CodeExecutorDescriptor.timeoutRange.upperBound,
                                      defaultValue: CodeExecutorDescriptor.defaultTimeout),
                memoryLimitMB: Range(min: Double(CodeExecutorDescriptor.memoryRange.lowerBound), max: Double(CodeExecutorDescriptor.memoryRange.upperBound),
                                     defaultValue: Double(CodeExecutorDescriptor.defaultMemoryMB)),
                maxCodeBytes: CodeExecutorDescriptor.maxCodeBytes, maxPayloadBytes: CodeExecutorDescriptor.maxPayloadBytes,
                outputCapBytes: SandboxPolicy.outputCapBytes, compileTimeoutSeconds: SandboxPolicy.compileTimeoutSeconds,
                compileMemoryBytes: SandboxPolicy.compileMemoryBytes, watchdogIntervalMs: SandboxPolicy.watchdogIntervalMs),
            cgroupPerRun: CgroupPerRun(
                delegated: RunCgroup.isAvailable, controllers: RunCgroup.delegated.keys.sorted(),
                memory: "memory.limit_in_bytes = memoryLimit (memsw too where swap is accounted); the kernel's OOM killer acts at the limit",
                pidsMax: SandboxPolicy.runProcesses, cpus: SandboxPolicy.runCPUs, cpuPeriodMicroseconds: RunCgroup.cpuPeriodMicroseconds,
                withoutCgroup: "an instance started without delegated cgroups (outside the runtime) bounds memory with a watchdog summing the run's resident memory every \(SandboxPolicy.watchdogIntervalMs) ms plus RLIMIT_AS where the runtime allows, and processes with RLIMIT_NPROC"),
            dieWithParent: true, newSession: true)
    }
}
