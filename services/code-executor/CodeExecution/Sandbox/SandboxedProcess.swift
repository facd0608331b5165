import CRunSpawn
import Foundation
import Glibc
import NIOConcurrencyHelpers

/// One program run under the sandbox: spawned by the `run_spawn` shim (which puts it in its
/// cgroup and sets its rlimits before it execs bubblewrap), fed its stdin, its stdout and stderr
/// captured up to a cap, watched every few milliseconds for the wall clock, and killed with the
/// tree (bubblewrap's pid namespace dies with its first process) at the deadline. The kernel
/// enforces memory in the run's cgroup; without one (an instance started outside the runtime) a
/// watchdog samples the resident memory of the whole tree instead and kills it past the limit.
struct SandboxedProcess {
    /// The limits the watchdog enforces (the kernel enforces the rlimits in the command itself).
    struct Watch {
        var wallSeconds: Double
        var memoryBytes: Int
        var outputCapBytes: Int = SandboxPolicy.outputCapBytes
    }

    /// How the process ended and what it printed.
    struct Outcome: Sendable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var stdoutBytes = 0
        var stderrBytes = 0
        var exitCode: Int32?
        var signal: Int32?
        var timedOut = false
        var oomKilled = false
        /// A fork failed at the run cgroup's `pids.max`.
        var processLimitHit = false
        var wallMs = 0.0
        var cpuMs = 0.0
        var peakMemoryBytes = 0
        var stdoutTruncated: Bool { stdoutBytes > stdout.count }
        var stderrTruncated: Bool { stderrBytes > stderr.count }
    }

    /// Runs `command` (bubblewrap and the program) with `stdin`, with `seccompFD` as fd 3 in the
    /// child (the seccomp program for bubblewrap) and the staged files from fd 4 on, in `cgroup` when there is one (else the memory
    /// watchdog samples the tree). Blocks the calling thread until the process tree is gone.
    static func run(_ command: SandboxCommand, stdin: [UInt8], seccompFD: Int32, cgroup: RunCgroup?, watch: Watch) throws(SandboxError) -> Outcome {
        let files = command.stagedFiles()
        let argv = command.argv(seccompFD: 3, files: files)
        let rlimits = command.rlimits
        // Pipes are made close-on-exec and the process spawned under one lock, so no other run's
        // spawn can inherit this run's pipe ends (glibc's pipe2 is not visible to Swift here).
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        var pid: pid_t = 0
        let started = DispatchTime.now().uptimeNanoseconds
        let failure = SpawnLock.lock.withLock { () -> SandboxError? in
            for index in 0..<3 {
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else {
                    closeAll(inPipe + outPipe + errPipe)
                    return .setup("pipe: \(String(cString: strerror(errno)))")
                }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                switch index { case 0: inPipe = fds; case 1: outPipe = fds; default: errPipe = fds }
            }
            let cArgs = argv.map { strdup($0) } + [nil]
            defer { cArgs.forEach { free($0) } }
            let cEnv: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
            defer { cEnv.forEach { free($0) } }
            // The staged files, for bubblewrap's --file (descriptors 4…: after the seccomp program's 3).
            var fileFDs: [Int32] = []
            defer { closeAll(fileFDs) }
            for name in files {
                let fd = open(command.stagingDirectory! + "/" + name, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    closeAll(inPipe + outPipe + errPipe)
                    return .setup("opening the staged file \(name): \(String(cString: strerror(errno)))")
                }
                fileFDs.append(fd)
            }
            let childFDs = [inPipe[0], outPipe[1], errPipe[1], seccompFD] + fileFDs
            let cgroupFDs = cgroup?.procsFDs ?? []
            let resources = rlimits.map(\.resource), values = rlimits.map { CUnsignedLongLong($0.value) }
            var stage: Int32 = 0
            let rc = run_spawn(&pid, &stage, argv[0], cArgs, cEnv, childFDs, Int32(childFDs.count), cgroupFDs, Int32(cgroupFDs.count),
                               resources, values, Int32(resources.count))
            close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
            guard rc == 0 else {
                closeAll([inPipe[1], outPipe[0], errPipe[0]])
                let step = ["fork", "setting up descriptors", "joining the run's cgroup", "setting rlimits", "exec"][Int(min(max(stage, 0), 4))]
                return .setup("spawning \(argv[0]) (\(step)): \(String(cString: strerror(rc)))")
            }
            return nil
        }
        if let failure { throw failure }

        var outcome = Outcome()
        var stdinRest = stdin[...]
        var stdinFD: Int32 = inPipe[1]
        if stdinRest.isEmpty { close(stdinFD); stdinFD = -1 }
        for fd in [stdinFD, outPipe[0], errPipe[0]] where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var outFD = outPipe[0], errFD = errPipe[0]
        // Polled with the pipes: the loop wakes the moment the process ends, not at the next tick.
        var exitFD = run_pidfd_open(pid)
        var reaped = false
        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        var lastSample: UInt64 = 0
        var reapedAt: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = started + UInt64(watch.wallSeconds * 1e9)

        func killTree() {
            if !killed { kill(pid, SIGKILL); cgroup?.killAll(); killed = true }
        }

        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if !reaped {
                let r = wait4(pid, &status, WNOHANG, &usage)
                if r == pid { reaped = true; reapedAt = now; outcome.wallMs = Double(now - started) / 1e6 }
            }
            if !reaped && !killed {
                if now >= deadline { outcome.timedOut = true; killTree() }
                if cgroup == nil, now - lastSample >= UInt64(SandboxPolicy.watchdogIntervalMs) * 1_000_000 {
                    lastSample = now
                    let rss = ProcessTree.residentBytes(root: pid)
                    outcome.peakMemoryBytes = max(outcome.peakMemoryBytes, rss)
                    if rss > watch.memoryBytes { outcome.oomKilled = true; killTree() }
                }
            }
            // Everything is over once the tree is reaped and its pipes are closed (every writer
            // died with the pid namespace); a bounded grace covers a pipe held open elsewhere.
            if reaped && ((outFD < 0 && errFD < 0) || now - reapedAt > 2_000_000_000) { break }

            var fds: [pollfd] = []
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if exitFD >= 0 && !reaped { fds.append(pollfd(fd: exitFD, events: Int16(POLLIN), revents: 0)) }
            if outFD >= 0 { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), Int32(SandboxPolicy.watchdogIntervalMs))
            for entry in fds where entry.revents != 0 {
                if entry.fd == exitFD { continue }  // reaped at the top of the loop
                if entry.fd == stdinFD {
                    if entry.revents & Int16(POLLOUT) != 0, !stdinRest.isEmpty {
                        let n = stdinRest.withUnsafeBytes { write(stdinFD, $0.baseAddress, min($0.count, 65536)) }
                        if n > 0 { stdinRest = stdinRest.dropFirst(n) }
                        if n < 0 && errno != EAGAIN { stdinRest = [] }
                    } else {
                        stdinRest = []
                    }
                    if stdinRest.isEmpty { close(stdinFD); stdinFD = -1 }
                    continue
                }
                let isOut = entry.fd == outFD
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        if isOut {
                            outcome.stdoutBytes += n
                            let room = watch.outputCapBytes - outcome.stdout.count
                            if room > 0 { outcome.stdout += buffer[0..<min(n, room)] }
                        } else {
                            outcome.stderrBytes += n
                            let room = watch.outputCapBytes - outcome.stderr.count
                            if room > 0 { outcome.stderr += buffer[0..<min(n, room)] }
                        }
                        continue
                    }
                    if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(entry.fd)
                        if isOut { outFD = -1 } else { errFD = -1 }
                    }
                    break
                }
            }
        }
        if exitFD >= 0 { close(exitFD); exitFD = -1 }
        if stdinFD >= 0 { close(stdinFD) }
        if outFD >= 0 { close(outFD) }
        if errFD >= 0 { close(errFD) }
        if !reaped {
            kill(pid, SIGKILL)
            _ = wait4(pid, &status, 0, &usage)
        }
        if outcome.wallMs == 0 { outcome.wallMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6 }
        outcome.cpuMs = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
        outcome.peakMemoryBytes = max(outcome.peakMemoryBytes, Int(usage.ru_maxrss) * 1024)
        if status & 0x7f == 0 {
            outcome.exitCode = (status >> 8) & 0xff
        } else {
            outcome.signal = status & 0x7f
        }
        if let cgroup {
            // The kernel's figures for the whole run: what it charged at most, and whether its OOM killer acted.
            if let peak = cgroup.peakMemoryBytes { outcome.peakMemoryBytes = peak }
            outcome.processLimitHit = cgroup.processLimitHit
            if let cpu = cgroup.cpuMs { outcome.cpuMs = cpu }
            if cgroup.oomKilled {
                outcome.oomKilled = true
                // bubblewrap reports its program's death by SIGKILL as exit 128 + 9.
                if outcome.exitCode == 128 + SIGKILL { outcome.exitCode = nil; outcome.signal = SIGKILL }
            }
        }
        return outcome
    }

    private static func closeAll(_ fds: [Int32]) { for fd in fds where fd >= 0 { close(fd) } }
}

/// Serializes pipe creation and spawning (see `SandboxedProcess.run`), and the seccomp pipe's.
enum SpawnLock {
    static let lock = NIOLock()
}
