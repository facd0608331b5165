import COutpostSys
import Foundation
import Glibc
import NIOConcurrencyHelpers

/// One running container instance: a child started through `outpost-sandbox` as its own session
/// and process group, watched by one monitor thread.
///
/// The monitor thread polls the launcher's status pipe (closed at exec: the process is running),
/// stdout and stderr (split into lines for the log sink and the instance's log file) and a pidfd
/// (readable the moment the process exits). So the exit is noticed at once, reaped exactly once,
/// and reported with its code (128 + n for signal n) and reason. After the exit, whatever is left
/// of the process group is killed, the scratch directory deleted and the cgroups removed.
public final class ContainerProcess: Sendable {
    public let pid: Int32
    /// Process start time from /proc (clock ticks after boot); with `pid` it names this process uniquely.
    public let startTime: UInt64
    public let launch: ContainerLaunch
    /// The fresh working directory of this start (deleted after exit).
    public let scratchDirectory: String
    /// The instance's log file (appended across starts).
    public let logFile: String
    public let startedAt: ContinuousClock.Instant
    let cgroup: ContainerCgroup?
    private let state: NIOLockedValueBox<State>

    struct State {
        var exec: Result<Void, ContainerError>?
        var execWaiters: [CheckedContinuation<Result<Void, ContainerError>, Never>] = []
        var exit: ContainerExit?
        var exitWaiters: [UInt64: CheckedContinuation<ContainerExit?, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var requested: ContainerExit.Reason?
        var lastErrorLine: String?
        /// The readiness pipe: nil while open, true once the service wrote its byte, false when it
        /// closed (or the process ended) without one.
        var readyNotice: Bool?
        var readyWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private init(pid: Int32, launch: ContainerLaunch, scratch: String, logFile: String, cgroup: ContainerCgroup?) {
        self.pid = pid
        self.startTime = ProcFS.startTime(pid) ?? 0
        self.launch = launch
        self.scratchDirectory = scratch
        self.logFile = logFile
        self.cgroup = cgroup
        self.startedAt = .now
        self.state = NIOLockedValueBox(State())
    }

    /// Starts `launch` and returns once the entrypoint has been exec'd (not yet listening).
    /// - Parameters:
    ///   - launch: what to run and how.
    ///   - logSink: gets each output line (the log file gets them regardless).
    ///   - onCgroupFallback: told once per process lifetime when no cgroup hierarchy is writable.
    public static func spawn(_ launch: ContainerLaunch, logSink: ContainerLogSink? = nil) async throws(ContainerError) -> ContainerProcess {
        let launcher = try ContainerImage.launcher(explicit: launch.launcherPath)
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let safeName = safe(launch.className) + "-" + safe(launch.instanceID) + "-" + nonce
        let containers = (launch.stateDirectory as NSString).appendingPathComponent("containers")
        let scratch = containers + "/scratch/" + safeName
        let logDir = containers + "/logs/" + safe(launch.className)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        } catch {
            throw ContainerError(.spawnFailed, "Cannot create the scratch directory \(scratch).", cause: "\(error)")
        }
        let logFile = logDir + "/" + safe(launch.instanceID) + ".log"
        let cgroup = ContainerCgroup.create(name: safeName, memoryBytes: launch.memoryBytes, vcpu: launch.instanceType.vcpu)

        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1], status: [Int32] = [-1, -1], ready: [Int32] = [-1, -1]
        guard outpost_pipe_cloexec(&out) == 0, outpost_pipe_cloexec(&err) == 0, outpost_pipe_cloexec(&status) == 0,
              outpost_pipe_cloexec(&ready) == 0 else {
            let e = errno
            for fd in out + err + status + ready where fd >= 0 { close(fd) }
            cgroup?.remove()
            try? fm.removeItem(atPath: scratch)
            throw ContainerError(.spawnFailed, "Cannot create pipes for the instance.", cause: String(cString: strerror(e)))
        }
        let argv = [launcher] + launch.launcherArguments(scratch: scratch, cgroup: cgroup, statusFD: 3)
        let pid: Int32
        do {
            pid = try posixSpawn(argv, stdout: out[1], stderr: err[1], status: status[1], ready: ready[1],
                                 networkNamespace: launch.enableInternet ? nil : launch.networkNamespace)
        } catch {
            for fd in out + err + status + ready { close(fd) }
            cgroup?.remove()
            try? fm.removeItem(atPath: scratch)
            throw error
        }
        close(out[1]); close(err[1]); close(status[1]); close(ready[1])

        let process = ContainerProcess(pid: pid, launch: launch, scratch: scratch, logFile: logFile, cgroup: cgroup)
        let (outRead, errRead, statusRead, readyRead) = (out[0], err[0], status[0], ready[0])
        let monitor = Thread { [process] in
            process.monitor(stdout: outRead, stderr: errRead, status: statusRead, ready: readyRead, logSink: logSink)
        }
        monitor.stackSize = 256 << 10
        monitor.name = "container-\(pid)"
        monitor.start()

        let exec = await process.waitForExec(timeout: launch.processTimeout)
        switch exec {
        case .success: return process
        case .failure(let error):
            _ = await process.destroy()
            throw error
        }
    }

    /// The exit, once it happened.
    public var exit: ContainerExit? { state.withLockedValue { $0.exit } }

    /// The last line the process wrote to stderr (complete once `exit` is set): why an instance that
    /// exited during its start failed, e.g. the dynamic loader's "error while loading shared libraries".
    public var lastErrorLine: String? { state.withLockedValue { $0.lastErrorLine } }

    public var isRunning: Bool { exit == nil }

    /// True once the service said it listens, by writing to the readiness pipe (ServiceKit does,
    /// see `OUTPOST_READY_FD`); a service that does not stays false and is found by polling.
    public var notifiedReady: Bool { state.withLockedValue { $0.readyNotice == true } }

    /// Waits for the readiness pipe: true when the service wrote its byte, false when the pipe
    /// closed without one (the service closed it, or the process ended) or the task was cancelled.
    func waitForReadyNotice() async -> Bool {
        let id: UInt64 = state.withLockedValue { $0.nextWaiter += 1; return $0.nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let done: Bool? = state.withLockedValue {
                    if let notice = $0.readyNotice { return notice }
                    if Task.isCancelled { return false }
                    $0.readyWaiters[id] = c
                    return nil
                }
                if let done { c.resume(returning: done) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.readyWaiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
        }
    }

    private func resolveReady(_ notified: Bool) {
        let waiters: [CheckedContinuation<Bool, Never>] = state.withLockedValue {
            guard $0.readyNotice == nil else { return [] }
            $0.readyNotice = notified
            let waiters = Array($0.readyWaiters.values)
            $0.readyWaiters = [:]
            return waiters
        }
        for w in waiters { w.resume(returning: notified) }
    }

    /// Waits for the process to end.
    public func waitForExit() async -> ContainerExit {
        if let exit = await waitForExitUnlessCancelled() { return exit }
        if let exit { return exit }
        // Cancelled: the exit still comes (the monitor always reports one); wait outside the cancelled task.
        return await Task.detached { [self] in await self.waitForExitUnlessCancelled() }.value ?? self.exit!
    }

    /// Waits for the exit; nil when the task is cancelled first.
    private func waitForExitUnlessCancelled() async -> ContainerExit? {
        let id: UInt64 = state.withLockedValue { $0.nextWaiter += 1; return $0.nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<ContainerExit?, Never>) in
                let done: ContainerExit?? = state.withLockedValue {
                    if let exit = $0.exit { return .some(exit) }
                    if Task.isCancelled { return .some(nil) }
                    $0.exitWaiters[id] = c
                    return .none
                }
                if let done { c.resume(returning: done) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.exitWaiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// Waits for the exit up to `timeout`; nil when it is still running.
    public func waitForExit(timeout: Duration) async -> ContainerExit? {
        if let exit { return exit }
        return await withTaskGroup(of: ContainerExit?.self) { group in
            group.addTask { await self.waitForExitUnlessCancelled() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? self.exit
        }
    }

    /// Sends `signal` to the launcher, which passes it once to every process of the instance (see
    /// Containers.md); SIGKILL goes to its whole process group too.
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        // Only SIGKILL to the group: the launcher forwards any other signal, and a copy through the
        // group would reach it twice. Before the launcher's setsid the group does not exist yet.
        if signal == SIGKILL { _ = Glibc.kill(-pid, signal) }
        _ = Glibc.kill(pid, signal)
    }

    /// `signal` (SIGTERM) to the instance, then SIGKILL once `grace` has passed; returns the exit.
    @discardableResult
    public func stop(signal first: Int32 = 15 /* SIGTERM */, grace: Duration = .seconds(10), reason: ContainerExit.Reason = .stopped) async -> ContainerExit {
        markRequested(reason)
        signal(first)
        if let exit = await waitForExit(timeout: grace) { return exit }
        state.withLockedValue { if $0.exit == nil, $0.requested == reason, reason == .stopped { $0.requested = .killedAfterGrace } }
        signal(SIGKILL)
        return await waitForExit()
    }

    /// SIGKILL at once (exit 137).
    @discardableResult
    public func destroy() async -> ContainerExit {
        markRequested(.destroyed)
        signal(SIGKILL)
        return await waitForExit()
    }

    /// Resident set size of the instance (from /proc: the launcher, its init and the service with
    /// its children), nil once it is gone.
    public var memoryBytes: Int64? { memoryBytes(children: ProcFS.children()) }

    /// `memoryBytes` from a `ProcFS.children()` map taken once for many instances.
    func memoryBytes(children: [Int32: [Int32]]) -> Int64? {
        guard isRunning, let own = ProcFS.residentBytes(pid) else { return nil }
        return ProcFS.tree(pid, children: children).dropFirst().reduce(own) { $0 + (ProcFS.residentBytes($1) ?? 0) }
    }

    /// Memory charged to its cgroup (RSS plus page cache), when it has one.
    public var cgroupMemoryBytes: Int64? {
        isRunning ? cgroup?.memoryUsage : nil
    }

    private func markRequested(_ reason: ContainerExit.Reason) {
        state.withLockedValue { if $0.requested == nil { $0.requested = reason } }
    }

    private func waitForExec(timeout: Duration) async -> Result<Void, ContainerError> {
        await withTaskGroup(of: Result<Void, ContainerError>?.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Result<Void, ContainerError>, Never>) in
                    let done: Result<Void, ContainerError>? = self.state.withLockedValue {
                        if let exec = $0.exec { return exec }
                        $0.execWaiters.append(c)
                        return nil
                    }
                    if let done { c.resume(returning: done) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            // The exec waiter is still registered: resolve it so the group can finish.
            self.resolveExec(.failure(ContainerError(.processTimeout,
                "The container process did not start within \(timeout) (the launcher never exec'd \(self.launch.executable)).")))
            return self.state.withLockedValue { $0.exec } ?? .failure(ContainerError(.processTimeout, "timeout"))
        }
    }

    private func resolveExec(_ result: Result<Void, ContainerError>) {
        let waiters: [CheckedContinuation<Result<Void, ContainerError>, Never>] = state.withLockedValue {
            guard $0.exec == nil else { return [] }
            $0.exec = result
            let waiters = $0.execWaiters
            $0.execWaiters = []
            return waiters
        }
        for w in waiters { w.resume(returning: result) }
    }

    /// The monitor thread's body; returns after the exit has been reported.
    private func monitor(stdout: Int32, stderr: Int32, status: Int32, ready: Int32, logSink: ContainerLogSink?) {
        let logFD = open(logFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        let pidfd = outpost_pidfd_open(pid)
        var streams: [(fd: Int32, kind: ContainerLogLine.Stream, pending: [UInt8])] = [(stdout, .stdout, []), (stderr, .stderr, [])]
        var statusFD = status
        var readyFD = ready
        var statusText: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        var exited = false
        var waitStatus: Int32 = 0

        func emit(_ bytes: ArraySlice<UInt8>, _ kind: ContainerLogLine.Stream) {
            var line = Array(bytes)
            if line.last == 13 { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            if logFD >= 0 {
                let record = Array((kind == .stderr ? "stderr: " : "") .utf8) + line + [10]
                _ = record.withUnsafeBytes { Glibc.write(logFD, $0.baseAddress, $0.count) }
            }
            if kind == .stderr, !text.isEmpty { state.withLockedValue { $0.lastErrorLine = String(text.prefix(500)) } }
            logSink?(ContainerLogLine(className: launch.className, instanceID: launch.instanceID, stream: kind, text: text))
        }
        /// Reads once from stream `i`; returns the read result (0 or less: nothing more for now).
        @discardableResult
        func readStream(_ i: Int) -> Int {
            let n = read(streams[i].fd, &buffer, buffer.count)
            if n <= 0 {
                if n < 0 && (errno == EAGAIN || errno == EINTR) { return -1 }
                if !streams[i].pending.isEmpty { emit(streams[i].pending[...], streams[i].kind) }
                streams[i].pending = []
                close(streams[i].fd)
                streams[i].fd = -1
                return 0
            }
            streams[i].pending += buffer[0..<n]
            while let nl = streams[i].pending.firstIndex(of: 10) {
                emit(streams[i].pending[..<nl], streams[i].kind)
                streams[i].pending.removeFirst(nl + 1)
            }
            if streams[i].pending.count > 64 << 10 {  // a very long line: emit it in pieces
                emit(streams[i].pending[...], streams[i].kind)
                streams[i].pending = []
            }
            return n
        }
        func readStatus() {
            let n = read(statusFD, &buffer, buffer.count)
            if n > 0 { statusText += buffer[0..<n]; return }
            if n < 0 && errno == EINTR { return }
            close(statusFD)
            statusFD = -1
            if statusText.isEmpty { resolveExec(.success(())) }
        }

        func readReady() {
            var byte: UInt8 = 0
            let n = read(readyFD, &byte, 1)
            if n < 0 && errno == EINTR { return }
            close(readyFD)
            readyFD = -1
            resolveReady(n == 1)
        }

        while !exited {
            var fds: [pollfd] = []
            if statusFD >= 0 { fds.append(pollfd(fd: statusFD, events: Int16(POLLIN), revents: 0)) }
            if readyFD >= 0 { fds.append(pollfd(fd: readyFD, events: Int16(POLLIN), revents: 0)) }
            for s in streams where s.fd >= 0 { fds.append(pollfd(fd: s.fd, events: Int16(POLLIN), revents: 0)) }
            if pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            let rc = poll(&fds, nfds_t(fds.count), pidfd >= 0 ? -1 : 20)
            if rc < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                if p.fd == statusFD { readStatus() }
                else if p.fd == readyFD { readReady() }
                else if let i = streams.firstIndex(where: { $0.fd == p.fd }) { readStream(i) }
            }
            let ready = pidfd < 0 || fds.contains { $0.fd == pidfd && $0.revents != 0 }
            if ready {
                let r = waitpid(pid, &waitStatus, pidfd >= 0 ? 0 : WNOHANG)
                if r == pid || (r < 0 && errno == ECHILD) { exited = true }
            }
        }

        // Anything left in the group (a daemonized grandchild) goes with the instance.
        _ = Glibc.kill(-pid, SIGKILL)
        for i in streams.indices where streams[i].fd >= 0 {
            _ = fcntl(streams[i].fd, F_SETFL, O_NONBLOCK)
            while streams[i].fd >= 0, readStream(i) > 0 {}
            if streams[i].fd >= 0 {
                if !streams[i].pending.isEmpty { emit(streams[i].pending[...], streams[i].kind) }
                close(streams[i].fd)
            }
        }
        if statusFD >= 0 {
            _ = fcntl(statusFD, F_SETFL, O_NONBLOCK)
            let n = read(statusFD, &buffer, buffer.count)
            if n > 0 { statusText += buffer[0..<n] }
            close(statusFD)
        }
        if pidfd >= 0 { close(pidfd) }
        if logFD >= 0 { close(logFD) }
        if readyFD >= 0 { close(readyFD) }
        resolveReady(false)

        let signal: Int32? = outpost_wifsignaled(waitStatus) != 0 ? outpost_wtermsig(waitStatus) : nil
        let code: Int32 = signal.map { 128 + $0 } ?? outpost_wexitstatus(waitStatus)
        let launcherMessage = String(decoding: statusText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let requested = state.withLockedValue { $0.requested }
        let reason: ContainerExit.Reason
        if !launcherMessage.isEmpty {
            reason = .startFailed(launcherMessage)
        } else if signal == SIGKILL, cgroup?.oomKilled == true, requested == nil || requested == .stopped {
            reason = .memoryLimit
        } else {
            reason = requested ?? .exited
        }
        if !launcherMessage.isEmpty {
            resolveExec(.failure(ContainerError(.startFailed, "Failed to start container: \(launcherMessage)", cause: launcherMessage)))
        } else {
            resolveExec(.failure(ContainerError(.exitedDuringStart, "Failed to start container: the process exited (code \(code)) before it started.")))
        }

        try? FileManager.default.removeItem(atPath: scratchDirectory)

        let exit = ContainerExit(exitCode: code, signal: signal, reason: reason)
        let waiters: [CheckedContinuation<ContainerExit?, Never>] = state.withLockedValue {
            $0.exit = exit
            let waiters = Array($0.exitWaiters.values)
            $0.exitWaiters = [:]
            return waiters
        }
        for w in waiters { w.resume(returning: exit) }

        // A group can stay busy for a moment after its last task died (v1 memory uncharging).
        if let cgroup {
            for _ in 0..<2500 {
                cgroup.remove()
                if !cgroup.directories.contains(where: { FileManager.default.fileExists(atPath: $0) }) { break }
                usleep(2000)
            }
        }
    }

    static func safe(_ s: String) -> String {
        String(String(s.unicodeScalars.map { c -> Character in
            (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "." ? Character(c) : "_"
        }).prefix(80))
    }

    /// posix_spawn with stdin from /dev/null, the three pipes, default signal dispositions and an
    /// empty mask (the runtime ignores SIGPIPE and may block SIGTERM; children must not inherit that),
    /// the runtime's lifeline (`RuntimeLifeline`), the network namespace to join if the runtime made
    /// one, the readiness pipe's write end (`ContainerLaunch.readyDescriptor`), and no other
    /// inherited descriptors.
    private static func posixSpawn(_ argv: [String], stdout: Int32, stderr: Int32, status: Int32, ready: Int32,
                                   networkNamespace: NetworkNamespace?) throws(ContainerError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        posix_spawn_file_actions_adddup2(&actions, status, 3)
        let lifeline = RuntimeLifeline.readEnd
        if lifeline >= 0 { posix_spawn_file_actions_adddup2(&actions, lifeline, RuntimeLifeline.launcherDescriptor) }
        if let networkNamespace { posix_spawn_file_actions_adddup2(&actions, networkNamespace.fd, ContainerLaunch.networkNamespaceDescriptor) }
        posix_spawn_file_actions_adddup2(&actions, ready, ContainerLaunch.readyDescriptor)
        _ = outpost_spawn_closefrom(&actions, ContainerLaunch.readyDescriptor + 1)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigemptyset(&all)
        for s in 1..<32 where s != SIGKILL && s != SIGSTOP { sigaddset(&all, Int32(s)) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let cEnv: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else {
            throw ContainerError(.spawnFailed, "Cannot start the sandbox launcher \(argv[0]).", cause: String(cString: strerror(rc)))
        }
        return pid
    }
}
