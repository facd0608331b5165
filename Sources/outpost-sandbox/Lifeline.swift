import CSeccomp
import Glibc

/// The runtime's lifeline: a pipe whose write end only the runtime holds. The kernel closes it when
/// the runtime dies for any reason (SIGKILL and crashes included), and its read end then reports end
/// of file. An instance must not outlive its runtime: nobody would route to it, stop it or reap it.
enum Lifeline {
    /// Returns once the instance's init exited; kills the init (and with it the instance's whole pid
    /// namespace) first if the runtime goes away before that. Without a lifeline or a pidfd, returns at
    /// once and the caller just waits for the init.
    static func watch(_ lifeline: Int32, instance initPID: pid_t, handle: Int32) {
        guard lifeline >= 0, handle >= 0 else { return }
        var fds = [pollfd(fd: handle, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: lifeline, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }  // a forwarded signal
                return
            }
            if fds[0].revents != 0 { return }
            if fds[1].revents != 0 {
                // Nothing is ever written: readable means end of file, the runtime is gone.
                kill(initPID, SIGKILL)
                return
            }
        }
    }
}
