import Glibc

/// Tells the runtime that the service listens, so it need not poll `GET /ping`: when
/// `OUTPOST_READY_FD` names a descriptor (the runtime's pipe, passed on by `outpost-sandbox
/// --ready-fd`), one byte is written there once, and the descriptor closed. Without the variable
/// (run by hand, in tests) nothing happens, and the runtime's polling finds the port as before.
enum ReadinessNotice {
    static let environmentName = "OUTPOST_READY_FD"

    /// Sends the notice once (later calls do nothing: the variable is gone).
    static func send() {
        guard let value = getenv(environmentName) else { return }
        let fd = Int32(String(cString: value)) ?? -1
        unsetenv(environmentName)
        guard fd > 2 else { return }
        var byte: UInt8 = 1
        while write(fd, &byte, 1) < 0 && errno == EINTR {}
        close(fd)
    }
}
