import CodeExecutorDescriptor

/// The isolation and limits every run gets: the one place they are written. The bubblewrap
/// command, the rlimits, the seccomp filter and the `security-policies` catalogue all read them.
public enum SandboxPolicy {
    /// Namespaces bubblewrap creates for each run (`--unshare-*`).
    public static let namespaces = ["user", "pid", "ipc", "uts", "net", "cgroup"]

    /// Host paths a run sees, read-only (those that exist). Nothing else of the host: no /etc
    /// beyond these files, no /proc of the host, no /sys, no state or scratch directories.
    public static let readOnlySystemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
                                             "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                                             "/etc/localtime", "/etc/ssl/certs", "/etc/ca-certificates", "/opt/deno"]

    /// Where the run's work directory is (a fresh tmpfs of `workDirectoryBytes`).
    public static let workDirectory = "/work"
    /// The size of the run's tmpfs work directory, bytes.
    public static let workDirectoryBytes = 64 * 1024 * 1024

    /// Each of stdout and stderr is kept up to this many bytes; the rest is counted and dropped.
    public static let outputCapBytes = 1024 * 1024
    /// The longest a compiler may run, seconds.
    public static let compileTimeoutSeconds: Double = 120
    /// The memory a compiler may hold, bytes.
    public static let compileMemoryBytes: Int = 1536 * 1024 * 1024

    /// How often the service checks the run's wall clock (and, without a cgroup, samples the run's
    /// memory: the fallback watchdog), ms.
    public static let watchdogIntervalMs = 10

    /// Processes and threads a run may have at once: its cgroup's `pids.max`.
    public static let runProcesses = 256
    /// CPUs a run may use: its cgroup's CPU quota (`cpu.cfs_quota_us` per 100 ms period).
    public static let runCPUs: Double = 1

    /// rlimits of every run, besides CPU time (the run's timeout, rounded up, + 1 s) and the
    /// address space (per language: see `Language.addressSpace`).
    public static let fileSizeBytes: UInt64 = 16 * 1024 * 1024
    public static let openFiles: UInt64 = 256
    /// RLIMIT_NPROC counts every process and thread of the instance's uid, runs together (each
    /// run's own bound is its cgroup's `runProcesses`).
    public static let processes: UInt64 = 512
    public static let coreBytes: UInt64 = 0

    /// System calls the run's seccomp filter refuses with EPERM (on top of the instance's own filter).
    public static let deniedSyscalls = [
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
        "acct", "quotactl", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "open_by_handle_at", "name_to_handle_at", "fanotify_init", "syslog", "lookup_dcookie", "vhangup",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
        "mount_setattr", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime", "personality",
    ]
    /// clone() flags that create namespaces: refused (a run cannot nest sandboxes or leave its own).
    public static let deniedCloneFlags: [(name: String, value: UInt64)] = [
        ("CLONE_NEWNS", 0x0002_0000), ("CLONE_NEWCGROUP", 0x0200_0000), ("CLONE_NEWUTS", 0x0400_0000), ("CLONE_NEWIPC", 0x0800_0000),
        ("CLONE_NEWUSER", 0x1000_0000), ("CLONE_NEWPID", 0x2000_0000), ("CLONE_NEWNET", 0x4000_0000),
    ]
}
