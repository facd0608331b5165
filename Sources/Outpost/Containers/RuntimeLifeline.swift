import COutpostSys
import Glibc

/// A pipe whose write end this process holds for its whole life and never writes to. Each sandbox
/// launcher gets the read end (`--lifeline-fd`): when the runtime dies, by SIGKILL or a crash too,
/// the kernel closes the write end, the launcher reads end of file and kills its instance. So no
/// instance outlives its runtime, whatever the state directory (the orphan registry only helps when
/// the same state directory starts again).
enum RuntimeLifeline {
    /// The read end, close-on-exec (the spawn dups it to the launcher's descriptor); -1 if no pipe could be made.
    static let readEnd: Int32 = {
        var fds: [Int32] = [-1, -1]
        guard outpost_pipe_cloexec(&fds) == 0 else { return -1 }
        // fds[1], the write end, stays open until this process ends. The read end moves above the
        // descriptors a spawn sets up (0…4), so no dup2 of the spawn overwrites it first.
        let high = fcntl(fds[0], F_DUPFD_CLOEXEC, 10)
        guard high >= 0 else { return fds[0] }
        close(fds[0])
        return high
    }()

    /// The descriptor number the launcher finds the read end at.
    static let launcherDescriptor: Int32 = 4
}
