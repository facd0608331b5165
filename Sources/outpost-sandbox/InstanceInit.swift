import COutpostSys
import CSeccomp
import Glibc

/// The service's pid in the namespace (read by the init's signal handler, which stays blocked until it is set).
nonisolated(unsafe) var servicePID: pid_t = 0

/// The instance's init: pid 1 of its pid namespace and leader of its own session there. It builds
/// the filesystem view, drops to the instance's user, starts the service as its child, passes on
/// every signal the outer launcher forwards (to every process of the namespace: kill(-1), as the
/// process group got them before), reaps whatever ends up orphaned to it, and reports the service's
/// wait status to the outer launcher on `report` before exiting (which makes the kernel kill
/// anything left in the namespace).
enum InstanceInit {
    static func run(_ options: LauncherOptions, view: FilesystemView, identity: Identity,
                    initFilter: scmp_filter_ctx?, serviceFilter: scmp_filter_ctx?, report: Int32) -> Never {
        // The outer launcher's death (SIGKILL of its group, the orphan reaper) takes the namespace with it.
        _ = outpost_set_pdeathsig(SIGKILL)
        // Out of the runtime's process group: signals reach the service once, through the outer launcher and here.
        _ = setsid()
        for s in forwardedSignals {
            signal(s) { sig in
                if servicePID > 0 { kill(-1, sig) }
            }
        }

        // The service's process is forked first and waits while the view is built: the fork's
        // scheduling delay on a busy machine overlaps the set-up. It shares the mount namespace, so
        // both pivots move its root too.
        let argv = cStrings(options.program)
        let envp = cStrings(options.env)
        var go: [Int32] = [-1, -1]
        if pipe(&go) != 0 { fail("fork", "pipe", errno: errno) }
        for fd in go { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let child = fork()
        if child < 0 { fail("fork", "starting the service", errno: errno) }
        if child == 0 {
            close(go[1])
            for s in forwardedSignals { signal(s, SIG_DFL) }
            var byte: UInt8 = 0
            var n = 0
            repeat { n = read(go[0], &byte, 1) } while n < 0 && errno == EINTR
            if n != 1 { _exit(127) }  // the init failed and said why
            identity.drop()
            if chdir(FilesystemView.scratchPath) != 0 { fail("scratch", "chdir \(FilesystemView.scratchPath)", errno: errno) }
            var empty = sigset_t()
            sigemptyset(&empty)
            sigprocmask(SIG_SETMASK, &empty, nil)
            if let serviceFilter { SeccompFilter.load(serviceFilter) }
            execve(view.mappedExecutable, argv, envp)
            fail("exec", "cannot execute \(options.program[0])", errno: errno)
        }
        close(go[0])
        if options.readyFD >= 0 { close(options.readyFD) }
        servicePID = child
        setSignals(forwardedSignals, blocked: false)

        view.build()
        // Its own UTS namespace: the host's name stays the host's.
        if sethostname("container", 9) != 0 { fail("namespaces", "sethostname", errno: errno) }
        joinCgroups(["0", String(child)])
        identity.drop()
        // Changing credentials cleared the parent-death signal: set it again. If the outer launcher
        // died before that, the report pipe has no reader and the write fails.
        _ = outpost_set_pdeathsig(SIGKILL)
        // The outer launcher may now drop to the same user: it can still signal this process.
        var ready: UInt8 = 1
        if write(report, &ready, 1) != 1 { _exit(127) }
        if write(go[1], &ready, 1) != 1 { fail("fork", "starting the service", errno: errno) }
        close(go[1])
        if let initFilter { SeccompFilter.load(initFilter) }
        close(statusFD)
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid < 0 {
                if errno == EINTR { continue }
                _exit(127)
            }
            if pid == child {
                _ = withUnsafeBytes(of: &status) { write(report, $0.baseAddress, 4) }
                _exit(0)
            }
        }
    }
}

func setSignals(_ signals: [Int32], blocked: Bool) {
    var set = sigset_t()
    sigemptyset(&set)
    for s in signals { sigaddset(&set, s) }
    sigprocmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nil)
}
