import CSeccomp
import Glibc

/// The syscall filter every process of an instance runs under (loaded last, after the sandbox is built).
enum SeccompFilter {
    /// Syscalls no container needs: they would let it escape or change the host (EPERM instead).
    static let denied = [
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
        "mount_setattr", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "open_by_handle_at",
        "setns",
        "kexec_load", "kexec_file_load", "reboot",
        "bpf", "perf_event_open", "userfaultfd",
        "init_module", "finit_module", "delete_module", "create_module",
        "swapon", "swapoff", "acct", "quotactl", "syslog",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
        "sethostname", "setdomainname", "iopl", "ioperm",
        "add_key", "request_key", "keyctl", "lookup_dcookie", "nfsservctl", "vhangup",
    ]
    /// What building a sandbox needs; allowed only to a class declared `nested = true`.
    static let sandboxBuilding = ["mount", "umount", "umount2", "pivot_root", "chroot", "unshare"]
    /// clone() flags that create namespaces (denied unless nested).
    static let namespaceFlags: [Int32] = [OUTPOST_CLONE_NEWNS, OUTPOST_CLONE_NEWCGROUP, OUTPOST_CLONE_NEWUTS,
                                          OUTPOST_CLONE_NEWIPC, OUTPOST_CLONE_NEWUSER, OUTPOST_CLONE_NEWPID, OUTPOST_CLONE_NEWNET]

    /// Builds the filter (not yet loaded). `nested` lets the process create user, mount, pid and net
    /// namespaces and mount inside them: the kernel keeps a child user namespace from seeing more than its parent.
    static func make(nested: Bool) -> scmp_filter_ctx {
        guard let ctx = seccomp_init(outpost_scmp_act_allow()) else { fail("seccomp", "seccomp_init failed") }
        let deny = outpost_scmp_act_errno(EPERM)
        func rule(_ name: String, _ action: UInt32) {
            let nr = seccomp_syscall_resolve_name(name)
            if nr == __NR_SCMP_ERROR { return }  // not on this architecture
            let rc = outpost_seccomp_rule_add(ctx, action, nr)
            if rc < 0 { fail("seccomp", "rule for \(name)", errno: -rc) }
        }
        for name in denied { rule(name, deny) }
        // clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc fall back to clone.
        rule("clone3", outpost_scmp_act_errno(ENOSYS))
        if !nested {
            for name in sandboxBuilding { rule(name, deny) }
            let clone = seccomp_syscall_resolve_name("clone")
            for flag in namespaceFlags {
                let rc = outpost_seccomp_rule_add_flag(ctx, deny, clone, 0, UInt64(UInt32(bitPattern: flag)))
                if rc < 0 { fail("seccomp", "clone rule", errno: -rc) }
            }
        }
        return ctx
    }

    static func load(_ ctx: scmp_filter_ctx) {
        let rc = seccomp_load(ctx)
        if rc < 0 { fail("seccomp", "seccomp_load", errno: -rc) }
    }
}
