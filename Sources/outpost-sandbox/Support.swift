import COutpostSys
import CSeccomp
import Glibc

nonisolated(unsafe) var statusFD: Int32 = -1  // set once while parsing options, before anything else runs
/// The read end of the runtime's lifeline pipe (`--lifeline-fd`): it reports end of file once the runtime is gone.
nonisolated(unsafe) var lifelineFD: Int32 = -1  // set once while parsing options

/// The instance's cgroup.procs/tasks files, opened before the sandbox hides them (isolated runs only).
nonisolated(unsafe) var cgroupFDs: [Int32] = []

/// Moves `pids` (in the writer's pid namespace; "0" is the writer) into the instance's cgroups and
/// closes the files. One burst: each cgroup v1 move waits for an RCU grace period unless another
/// move just did.
func joinCgroups(_ pids: [String]) {
    for fd in cgroupFDs {
        for pid in pids where (pid.withCString { write(fd, $0, strlen($0)) }) < 0 {
            fail("cgroup", "cannot join the instance's cgroup", errno: errno)
        }
        close(fd)
    }
    cgroupFDs = []
}

/// Reports "stage: message" on the status fd (stderr without one) and exits 127.
func fail(_ stage: String, _ message: String, errno err: Int32 = 0) -> Never {
    var text = "\(stage): \(message)"
    if err != 0 { text += " (\(String(cString: strerror(err))), errno \(err))" }
    text += "\n"
    let fd = statusFD >= 0 ? statusFD : 2
    _ = text.withCString { write(fd, $0, strlen($0)) }
    _exit(127)
}

/// Writes `text` to an existing file; 0 or the errno.
func writeFile(_ path: String, _ text: String) -> Int32 {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    if fd < 0 { return errno }
    defer { close(fd) }
    let n = text.withCString { write(fd, $0, strlen($0)) }
    return n < 0 ? errno : 0
}

/// A whole (small) file, trimmed of surrounding whitespace unless asked not to; nil when unreadable.
func readFile(_ path: String, trimming: Bool = true) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = read(fd, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { break }
        bytes += buf[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    guard trimming else { return text }
    return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
}

func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
    strings.map { strdup($0) } + [nil]
}

/// Signals an instance's processes are told to stop or reload with; the launcher's own processes
/// outlive them so the service's status is what the runtime sees.
let forwardedSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

/// Puts this process in the instance's own network namespace: the runtime's (`--netns-fd`), or a
/// new one with only `lo` up.
func enterOwnNetwork(_ options: LauncherOptions) {
    if options.networkNamespaceFD >= 0 {
        if outpost_setns_net(options.networkNamespaceFD) != 0 { fail("network", "setns(--netns-fd)", errno: errno) }
        close(options.networkNamespaceFD)
        return
    }
    if outpost_unshare_net() != 0 { fail("network", "unshare(CLONE_NEWNET)", errno: errno) }
    if outpost_loopback_up() != 0 { fail("network", "bringing lo up", errno: errno) }
}
