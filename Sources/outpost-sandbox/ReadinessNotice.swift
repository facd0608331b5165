import Glibc

/// The descriptor a service says "listening" on (`--ready-fd`): the runtime holds the read end of
/// a pipe and waits for one byte instead of polling the port. The launcher only passes it on: it
/// stays open across the exec of the service and is closed in the launcher and the instance's init,
/// so a service that never writes (one not built on ServiceKit) leaves the runtime polling as before.
enum ReadinessNotice {
    /// The variable naming the descriptor in the service's environment (ServiceKit reads it).
    static let environmentName = "OUTPOST_READY_FD"

    /// Makes `fd` survive the exec of the service (the runtime's pipes arrive close-on-exec-free
    /// through posix_spawn, but a caller may have set the flag).
    static func inherit(_ fd: Int32) {
        guard fd >= 0 else { return }
        if fcntl(fd, F_GETFD) < 0 { fail("options", "--ready-fd \(fd) is not an open descriptor", errno: errno) }
        _ = fcntl(fd, F_SETFD, 0)
    }
}
