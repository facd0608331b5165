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
    var cgroupPerRun: String
    var dieWithParent: Bool
    var newSession: Bool

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
            cgroupPerRun: "not available: the host runs cgroup v1 for memory/pids/cpu (v2 is mounted without controllers) and the instance sees no /sys/fs/cgroup; memory is enforced by a watchdog summing the run's resident memory every \(SandboxPolicy.watchdogIntervalMs) ms plus RLIMIT_AS where the runtime allows",
            dieWithParent: true, newSession: true)
    }
}
