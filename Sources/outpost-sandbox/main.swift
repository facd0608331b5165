// outpost-sandbox: sets up one container instance's sandbox, then runs its service in it.
//
//     outpost-sandbox [options] -- PROGRAM [ARGS...]
//
//     --dir PATH           the instance's fresh scratch dir: its working directory /scratch and its /tmp
//     --env NAME=VALUE     one environment variable; repeated, these are the whole environment
//     --cgroup-procs PATH  a cgroup.procs/tasks file to join (cgroups are created by the runtime)
//     --rlimit NAME=VALUE  as, data, fsize, nofile, nproc, core (soft = hard = VALUE)
//     --no-network         own network namespace with only `lo` up (enableInternet = false)
//     --netns-fd N         with --no-network: join this namespace the runtime made (its egress proxy
//                          already listens there) instead of making one
//     --ro-bind PATH       also show host PATH read-only at the same path (repeated)
//     --nested             let the service build its own sandboxes (user/mount/pid/net namespaces)
//     --no-seccomp         skip the seccomp filter (diagnostics only)
//     --no-isolation       no user, mount or pid isolation: the benchmark's baseline only, never the runtime
//                          (also when started through a link named outpost-sandbox-no-isolation)
//     --ready-fd N         pass descriptor N on to the service (and only to it), named in its environment as
//                          OUTPOST_READY_FD=N: a service built on ServiceKit writes one byte there once it listens
//     --status-fd N        on failure "stage: message" is written here; it closes when the service has exec'd
//     --lifeline-fd N      the read end of a pipe only the runtime writes to: at its end of file (the runtime
//                          died, even by SIGKILL) the instance is killed, so no instance outlives its runtime
//
// With isolation (see Containers.md): the launcher sets the rlimits, creates the network, mount,
// pid, IPC and UTS namespaces and forks the instance's init (pid 1), which builds the filesystem
// view, drops to the instance's uid and starts the service; the three join the cgroups once their
// set-up is done. This process stays
// outside as the runtime's handle: it drops to the same uid, loads the same filter, and exits with
// the service's status (re-raising the signal that ended it), so the runtime sees the exit as if it
// had exec'd the service itself.
//
// Options are plain argv words, not JSON: the launcher links neither Foundation nor a JSON
// parser, so it starts in about a millisecond. Exit status 127 means setup failed.
import COutpostSys
import CSeccomp
import Glibc

/// The init's pid on the host, for the signal handler (set once, before the handler is installed).
nonisolated(unsafe) var instanceInitPID: pid_t = 0

let options = LauncherOptions.parse(CommandLine.arguments.dropFirst(), invokedAs: CommandLine.arguments[0])
if statusFD >= 0 { _ = fcntl(statusFD, F_SETFD, FD_CLOEXEC) }
if lifelineFD >= 0 { _ = fcntl(lifelineFD, F_SETFD, FD_CLOEXEC) }
ReadinessNotice.inherit(options.readyFD)

if setsid() < 0 { fail("setsid", "cannot start a new session", errno: errno) }

// Isolated, the cgroups are joined once the init is forked (by this process) and once the view is
// built (the init and the service, by the init), so the sandbox's set-up is not charged to the
// instance's CPU quota (a lite instance gets 1/16 of a CPU: the set-up would be throttled into the
// next quota period). Their files are opened now, while the host's tree is in view.
if options.isolation {
    cgroupFDs = options.cgroupProcs.map { path in
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { fail("cgroup", "cannot open \(path)", errno: errno) }
        return fd
    }
} else {
    let pid = String(getpid())
    for path in options.cgroupProcs {
        let err = writeFile(path, pid)
        if err != 0 { fail("cgroup", "cannot join \(path)", errno: err) }
    }
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

if !options.isolation {
    if options.noNetwork { enterOwnNetwork(options) }
    if let dir = options.dir, chdir(dir) != 0 { fail("scratch", "chdir \(dir)", errno: errno) }
    if outpost_set_no_new_privs() != 0 { fail("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", errno: errno) }
    if options.seccomp { SeccompFilter.load(SeccompFilter.make(nested: options.nested)) }
    execve(options.program[0], cStrings(options.program), cStrings(options.env))
    fail("exec", "cannot execute \(options.program[0])", errno: errno)
}

guard let scratch = options.dir, scratch.hasPrefix("/") else { fail("options", "--dir with an absolute path is required") }
let identity = Identity.current()
if identity.changesUser {
    if chown(scratch, identity.uid, identity.gid) != 0 { fail("scratch", "chown \(scratch)", errno: errno) }
    if chmod(scratch, 0o700) != 0 { fail("scratch", "chmod \(scratch)", errno: errno) }
} else {
    identity.enterUserNamespace()
}
if options.noNetwork { enterOwnNetwork(options) }
// The mount namespace is shared with the init: its pivot_root moves this process's root (and its
// cwd, "/" from here on) into the instance's view too, so nothing here keeps the host's tree.
if chdir("/") != 0 { fail("namespaces", "chdir /", errno: errno) }
if outpost_unshare(OUTPOST_CLONE_NEWNS | OUTPOST_CLONE_NEWPID | OUTPOST_CLONE_NEWIPC | OUTPOST_CLONE_NEWUTS) != 0 {
    fail("namespaces", "unshare(mount, pid, ipc, uts)", errno: errno)
}
Identity.dropBoundingSet()

// A nested instance may make child cgroups of its own (one per sandbox it builds): see CgroupDelegation.
let delegation = CgroupDelegation(procsFiles: options.nested ? options.cgroupProcs : [])
delegation.handOver(to: identity)
var serviceOptions = options
if !delegation.directories.isEmpty { serviceOptions.env.append(delegation.environmentEntry) }
let view = FilesystemView(scratch: scratch, executable: options.program[0], readOnlyPaths: options.readOnlyPaths,
                          identity: identity, swiftRuntime: FilesystemView.swiftRuntimeDirectory(),
                          cgroupDirectories: delegation.directories)
let strictFilter = options.seccomp ? SeccompFilter.make(nested: false) : nil
let serviceFilter = options.seccomp && options.nested ? SeccompFilter.make(nested: true) : strictFilter
var report: [Int32] = [-1, -1]
if pipe(&report) != 0 { fail("fork", "pipe", errno: errno) }
for fd in report { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

// Signals wait until the init exists; then each goes to it (and on to the service) exactly once.
setSignals(forwardedSignals, blocked: true)
let initPID = fork()
if initPID < 0 { fail("fork", "starting the instance's init", errno: errno) }
if initPID == 0 {
    close(report[0])
    InstanceInit.run(serviceOptions, view: view, identity: identity, initFilter: strictFilter, serviceFilter: serviceFilter, report: report[1])
}
instanceInitPID = initPID
// Only the service keeps the readiness descriptor: when it ends without writing, the runtime sees end of file.
if options.readyFD >= 0 { close(options.readyFD) }
// Taken now, while this process may still open it: readable once the init has exited.
let initHandle = outpost_pidfd_open(initPID)
for s in forwardedSignals {
    signal(s) { sig in kill(instanceInitPID, sig) }
}
setSignals(forwardedSignals, blocked: false)
close(report[1])
joinCgroups(["0"])

// Stay root until the init has dropped to the instance's user, so a forwarded signal always lands.
var ready: UInt8 = 0
while read(report[0], &ready, 1) < 0 && errno == EINTR {}
identity.drop()
if let strictFilter { SeccompFilter.load(strictFilter) }
close(statusFD)

Lifeline.watch(lifelineFD, instance: initPID, handle: initHandle)
var initStatus: Int32 = 0
while waitpid(initPID, &initStatus, 0) < 0 && errno == EINTR {}
var serviceStatus: Int32 = 0
let got = withUnsafeMutableBytes(of: &serviceStatus) { read(report[0], $0.baseAddress, 4) }
let status = got == 4 ? serviceStatus : initStatus
let endSignal = status & 0x7f
if endSignal == 0 { _exit((status >> 8) & 0xff) }
// Ended by a signal: end the same way, so the runtime sees 128 + n and (for SIGKILL) a memory-limit kill.
signal(endSignal, SIG_DFL)
var unblock = sigset_t()
sigemptyset(&unblock)
sigaddset(&unblock, endSignal)
sigprocmask(SIG_UNBLOCK, &unblock, nil)
kill(getpid(), endSignal)
_exit(128 + endSignal)
