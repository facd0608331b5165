// outpost-sandbox: sets up one container instance's sandbox in this process, then execs it.
//
//     outpost-sandbox [options] -- PROGRAM [ARGS...]
//
//     --dir PATH           working directory (the instance's fresh scratch dir)
//     --env NAME=VALUE     one environment variable; repeated, these are the whole environment
//     --cgroup-procs PATH  a cgroup.procs/tasks file to join (cgroups are created by the runtime)
//     --rlimit NAME=VALUE  as, data, fsize, nofile, nproc, core (soft = hard = VALUE)
//     --no-network         own network namespace with only `lo` up (enableInternet = false)
//     --no-seccomp         skip the seccomp filter (diagnostics only)
//     --status-fd N        on failure "stage: message" is written here; on success it closes at exec
//
// Options are plain argv words, not JSON: the launcher links neither Foundation nor a JSON
// parser, so it starts in about a millisecond. Exit status 127 means setup failed.
import CSeccomp
import Glibc

nonisolated(unsafe) var statusFD: Int32 = -1  // set once while parsing options, before anything else runs

func fail(_ stage: String, _ message: String, errno err: Int32 = 0) -> Never {
    var text = "\(stage): \(message)"
    if err != 0 { text += " (\(String(cString: strerror(err))), errno \(err))" }
    text += "\n"
    let fd = statusFD >= 0 ? statusFD : 2
    _ = text.withCString { write(fd, $0, strlen($0)) }
    _exit(127)
}

struct Options {
    var dir: String?
    var env: [String] = []
    var cgroupProcs: [String] = []
    var rlimits: [(Int32, UInt64)] = []
    var noNetwork = false
    var seccomp = true
    var program: [String] = []
}

func rlimitResource(_ name: Substring) -> Int32? {
    switch name {
    case "as": Int32(RLIMIT_AS.rawValue)
    case "data": Int32(RLIMIT_DATA.rawValue)
    case "fsize": Int32(RLIMIT_FSIZE.rawValue)
    case "nofile": Int32(RLIMIT_NOFILE.rawValue)
    case "nproc": Int32(__RLIMIT_NPROC.rawValue)
    case "core": Int32(RLIMIT_CORE.rawValue)
    default: nil
    }
}

func parse(_ args: ArraySlice<String>) -> Options {
    var o = Options()
    var it = args.makeIterator()
    func value(_ flag: String) -> String {
        guard let v = it.next() else { fail("options", "\(flag) needs a value") }
        return v
    }
    while let a = it.next() {
        switch a {
        case "--dir": o.dir = value(a)
        case "--env": o.env.append(value(a))
        case "--cgroup-procs": o.cgroupProcs.append(value(a))
        case "--rlimit":
            let v = value(a)
            let parts = v.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let res = rlimitResource(parts[0]), let n = UInt64(parts[1]) else {
                fail("options", "bad --rlimit \(v)")
            }
            o.rlimits.append((res, n))
        case "--no-network": o.noNetwork = true
        case "--no-seccomp": o.seccomp = false
        case "--status-fd":
            let v = value(a)
            guard let fd = Int32(v) else { fail("options", "bad --status-fd \(v)") }
            statusFD = fd
        case "--":
            while let p = it.next() { o.program.append(p) }
        default: fail("options", "unknown option \(a)")
        }
    }
    if o.program.isEmpty { fail("options", "no program after --") }
    return o
}

/// Syscalls no container needs: they would let it escape or change the host (EPERM instead).
let deniedSyscalls = [
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "mount", "umount", "umount2", "pivot_root", "chroot", "mount_setattr",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "open_by_handle_at",
    "unshare", "setns",
    "kexec_load", "kexec_file_load", "reboot",
    "bpf", "perf_event_open", "userfaultfd",
    "init_module", "finit_module", "delete_module", "create_module",
    "swapon", "swapoff", "acct", "quotactl", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "iopl", "ioperm",
    "add_key", "request_key", "keyctl", "lookup_dcookie", "nfsservctl", "vhangup",
]

func loadSeccomp() {
    guard let ctx = seccomp_init(outpost_scmp_act_allow()) else { fail("seccomp", "seccomp_init failed") }
    let deny = outpost_scmp_act_errno(EPERM)
    for name in deniedSyscalls {
        let nr = seccomp_syscall_resolve_name(name)
        if nr == __NR_SCMP_ERROR { continue }  // not on this architecture
        let rc = outpost_seccomp_rule_add(ctx, deny, nr)
        if rc < 0 { fail("seccomp", "rule for \(name)", errno: -rc) }
    }
    let rc = seccomp_load(ctx)
    if rc < 0 { fail("seccomp", "seccomp_load", errno: -rc) }
    seccomp_release(ctx)
}

func writeFile(_ path: String, _ text: String) -> Int32 {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    if fd < 0 { return errno }
    defer { close(fd) }
    let n = text.withCString { write(fd, $0, strlen($0)) }
    return n < 0 ? errno : 0
}

func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
    strings.map { strdup($0) } + [nil]
}

let options = parse(CommandLine.arguments.dropFirst())
if statusFD >= 0 { _ = fcntl(statusFD, F_SETFD, FD_CLOEXEC) }

if setsid() < 0 { fail("setsid", "cannot start a new session", errno: errno) }

let pid = String(getpid())
for path in options.cgroupProcs {
    let err = writeFile(path, pid)
    if err != 0 { fail("cgroup", "cannot join \(path)", errno: err) }
}

for (resource, value) in options.rlimits {
    // Lower only: raising a hard limit needs privileges the runtime may not have.
    var current = rlimit()
    _ = getrlimit(__rlimit_resource_t(UInt32(resource)), &current)
    let bounded = min(rlim_t(value), current.rlim_max)
    var lim = rlimit(rlim_cur: bounded, rlim_max: bounded)
    if setrlimit(__rlimit_resource_t(UInt32(resource)), &lim) != 0 {
        fail("rlimit", "setrlimit(\(resource), \(value))", errno: errno)
    }
}

if options.noNetwork {
    if outpost_unshare_net() != 0 { fail("network", "unshare(CLONE_NEWNET)", errno: errno) }
    if outpost_loopback_up() != 0 { fail("network", "bringing lo up", errno: errno) }
}

if let dir = options.dir, chdir(dir) != 0 { fail("scratch", "chdir \(dir)", errno: errno) }

if outpost_set_no_new_privs() != 0 { fail("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", errno: errno) }
if options.seccomp { loadSeccomp() }

let argv = cStrings(options.program)
let envp = cStrings(options.env)
execve(options.program[0], argv, envp)
fail("exec", "cannot execute \(options.program[0])", errno: errno)
