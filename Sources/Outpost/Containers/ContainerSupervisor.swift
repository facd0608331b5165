import Foundation
import Glibc
public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle

/// Owns every container instance of the runtime: starts them (one shared start per instance),
/// proxies requests to them, puts idle ones to sleep, enforces `max_instances`, and stops them all
/// on shutdown so no process outlives the runtime.
///
/// Run it in the runtime's `ServiceGroup`: `run()` watches exits and sleepAfter deadlines, and on
/// graceful shutdown sends every instance SIGTERM, then SIGKILL after its grace period. Orphans
/// recorded by a previous run that was killed with -9 are reaped when the supervisor is created.
public actor ContainerSupervisor: Service {
    /// Called instead of the default stop when an instance's sleepAfter expires (`onActivityExpired`).
    public typealias ActivityExpiredHandler = @Sendable (_ className: String, _ instanceID: String) async -> Void

    struct Key: Hashable, Sendable {
        let className: String
        let instanceID: String
    }

    /// One instance slot; only touched on the actor.
    final class Instance {
        let key: Key
        var state = ContainerState()
        var process: ContainerProcess?
        var proxy: ContainerProxy?
        var pool: ContainerConnectionPool?
        var activity: ActivityMonitor?
        var options = ContainerStartOptions()
        var startTask: Task<Void, any Error>?
        var port: Int?
        var lastExit: ContainerExit?
        var expiryHandled = false
        var onActivityExpired: ActivityExpiredHandler?

        init(key: Key) { self.key = key }
    }

    public nonisolated let registry: OrphanRegistry
    /// Orphans found and killed when this supervisor was created.
    public nonisolated let reapedOrphans: [OrphanRegistry.Entry]
    private let stateDirectory: String
    private var classes: [String: ContainerClass]
    private let logger: Logger
    private let launcherPath: String?
    private let applicationID: String
    private let group: any EventLoopGroup
    private let onEvent: (@Sendable (ContainerEvent) -> Void)?
    private let logSink: ContainerLogSink
    private let sweepInterval: Duration
    private var instances: [Key: Instance] = [:]
    private var shuttingDown = false
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let jobQueue: AsyncStream<@Sendable () async -> Void>.Continuation

    /// - Parameters:
    ///   - stateDirectory: the runtime's state dir (`containers/` holds scratch dirs, logs, the registry).
    ///   - classes: the `[[containers]]` classes.
    ///   - launcherPath: `outpost-sandbox`; nil means beside the running binary.
    ///   - logSink: gets instance output lines; default: the logger, prefixed "[Class/id]".
    ///   - onEvent: lifecycle events for the Durable Object layer (`onStart`, `onStop`, `onError`).
    public init(stateDirectory: String, classes: [ContainerClass], logger: Logger = Logger(label: "outpost.containers"),
                launcherPath: String? = nil, applicationID: String = "outpost", group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logSink: ContainerLogSink? = nil, onEvent: (@Sendable (ContainerEvent) -> Void)? = nil,
                sweepInterval: Duration = .milliseconds(100)) {
        self.stateDirectory = stateDirectory
        self.classes = Dictionary(classes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.logger = logger
        self.launcherPath = launcherPath
        self.applicationID = applicationID
        self.group = group
        self.onEvent = onEvent
        self.sweepInterval = sweepInterval
        self.logSink = logSink ?? { line in
            if line.stream == .stderr { logger.warning("\(line.prefixed)") } else { logger.info("\(line.prefixed)") }
        }
        (jobs, jobQueue) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        registry = OrphanRegistry(stateDirectory: stateDirectory)
        reapedOrphans = registry.reap()
        ContainerCgroup.support.removeStaleGroups()
        for orphan in reapedOrphans {
            logger.warning("Killed orphaned container \(orphan.className)/\(orphan.instanceID) (pid \(orphan.pid)) left by a previous run")
        }
    }

    /// Adds or replaces a class.
    public func register(_ containerClass: ContainerClass) { classes[containerClass.name] = containerClass }

    public func run() async throws {
        CgroupSupport.logOnce(logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.sweepLoop() }
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask { await job() }
            }
            await self.shutdown()
            group.cancelAll()
        }
    }

    // MARK: Lifecycle

    /// Starts the instance if it is not running and waits until its port answers. Concurrent
    /// callers share one start; `options` of the first caller win.
    public func start(className: String, instanceID: String, options: ContainerStartOptions = ContainerStartOptions(),
                      onActivityExpired: ActivityExpiredHandler? = nil) async throws(ContainerError) {
        _ = try await ensureRunning(Key(className: className, instanceID: instanceID), options: options, onActivityExpired: onActivityExpired)
    }

    /// Proxies `request` to the instance, starting it first when needed.
    public func fetch(_ request: Request, className: String, instanceID: String, options: ContainerStartOptions = ContainerStartOptions(),
                      onActivityExpired: ActivityExpiredHandler? = nil) async throws -> Response {
        let (proxy, activity) = try await ensureRunning(Key(className: className, instanceID: instanceID), options: options, onActivityExpired: onActivityExpired)
        return try await proxy.fetch(request, token: activity.begin())
    }

    /// Renews the sleepAfter deadline (each WebSocket message).
    public func touch(className: String, instanceID: String) {
        instances[Key(className: className, instanceID: instanceID)]?.activity?.touch()
    }

    /// The activity of a running instance (in flight, deadline).
    public func activity(className: String, instanceID: String) -> ActivityTracker? {
        instances[Key(className: className, instanceID: instanceID)]?.activity?.snapshot
    }

    /// Stops the instance: `signal` (SIGTERM) to its group, SIGKILL after the grace period.
    /// Returns the exit, or the previous one when it was not running.
    @discardableResult
    public func stop(className: String, instanceID: String, signal: Int32 = 15 /* SIGTERM */, grace: Duration? = nil) async -> ContainerExit? {
        await stop(Key(className: className, instanceID: instanceID), signal: signal, grace: grace, reason: .stopped)
    }

    /// Kills the instance at once (exit 137).
    @discardableResult
    public func destroy(className: String, instanceID: String) async -> ContainerExit? {
        await stop(Key(className: className, instanceID: instanceID), signal: SIGKILL, grace: .zero, reason: .destroyed)
    }

    public func state(className: String, instanceID: String) -> ContainerState {
        instances[Key(className: className, instanceID: instanceID)]?.state ?? ContainerState()
    }

    /// The running process of an instance.
    public func process(className: String, instanceID: String) -> ContainerProcess? {
        instances[Key(className: className, instanceID: instanceID)]?.process
    }

    /// What `outpost containers list` shows.
    public func list() -> [ContainerInfo] {
        let now = ContinuousClock.now
        return instances.values.sorted { ($0.key.className, $0.key.instanceID) < ($1.key.className, $1.key.instanceID) }.map { inst in
            let activity = inst.activity?.snapshot
            return ContainerInfo(
                className: inst.key.className, instanceID: inst.key.instanceID, state: inst.state.status, exitCode: inst.state.exitCode,
                pid: inst.process?.pid, port: inst.process == nil ? nil : inst.port,
                uptimeSeconds: inst.process.map { Self.seconds(now - $0.startedAt) },
                idleSeconds: activity.map { Self.seconds(now - $0.lastActivity) }, inFlight: activity?.inFlight ?? 0,
                memoryBytes: inst.process?.memoryBytes)
        }
    }

    /// The `[[containers]]` class named `name`, as the supervisor runs it.
    public func containerClass(named name: String) -> ContainerClass? { classes[name] }

    /// Stops every instance (SIGTERM, SIGKILL after each one's grace) and refuses new starts.
    public func shutdown() async {
        shuttingDown = true
        let keys = instances.values.filter { $0.process != nil || $0.startTask != nil }.map(\.key)
        await withTaskGroup(of: Void.self) { group in
            for key in keys {
                group.addTask { _ = await self.stop(key, signal: SIGTERM, grace: nil, reason: .runtimeShutdown) }
            }
        }
    }

    // MARK: Internals

    private func ensureRunning(_ key: Key, options: ContainerStartOptions, onActivityExpired: ActivityExpiredHandler?) async throws(ContainerError) -> (ContainerProxy, ActivityMonitor) {
        guard let cls = classes[key.className] else {
            throw ContainerError(.unknownClass, "No container class \"\(key.className)\" is configured; add it to [[containers]].")
        }
        while true {
            let inst = instances[key] ?? {
                let created = Instance(key: key)
                instances[key] = created
                return created
            }()
            if inst.state.phase == .healthy, let proxy = inst.proxy, let activity = inst.activity, inst.process?.isRunning == true {
                return (proxy, activity)
            }
            if inst.startTask == nil, let process = inst.process, let exit = process.exit {
                // It just died and the exit watcher has not run yet: record the exit now.
                processExited(key, process, exit)
                continue
            }
            if let task = inst.startTask {
                do {
                    try await task.value
                } catch let error as ContainerError {
                    throw error
                } catch {
                    throw ContainerError(.startFailed, "Failed to start container: \(error)")
                }
                continue
            }
            if inst.state.phase == .stopping, let process = inst.process {
                _ = await process.waitForExit()
                processExited(key, process, process.exit!)
                continue
            }
            guard !shuttingDown else { throw ContainerError(.shuttingDown, "The runtime is shutting down; no container can start.") }
            let active = instances.values.filter { $0.key.className == key.className && $0.state.isActive }.count
            guard active < cls.maxInstances else { throw ContainerError.noInstance }
            do { try inst.state.apply(.start) } catch { throw ContainerError(.startFailed, "Failed to start container: \(error)") }
            inst.options = options
            inst.onActivityExpired = onActivityExpired
            inst.expiryHandled = false
            inst.startTask = Task { try await self.performStart(key, cls, options) }
        }
    }

    private func performStart(_ key: Key, _ cls: ContainerClass, _ options: ContainerStartOptions) async throws {
        defer { instances[key]?.startTask = nil }
        let port: Int
        do {
            port = options.enableInternet ? try Self.freePort() : options.defaultPort
        } catch {
            failStart(key, error)
            throw ContainerError.startFailure(error)
        }
        let env = ContainerLaunch.environment(applicationID: applicationID, durableObjectID: options.durableObjectID ?? key.instanceID,
                                              port: port, envVars: options.envVars)
        let launch = ContainerLaunch(className: key.className, instanceID: key.instanceID, executable: cls.executable,
                                     arguments: options.entrypoint.map { Array($0.dropFirst()) } ?? cls.arguments,
                                     environment: env, port: port, instanceType: cls.instanceType, memoryLimitBytes: cls.memoryLimitBytes,
                                     enableInternet: options.enableInternet, stateDirectory: stateDirectory, launcherPath: launcherPath,
                                     processTimeout: options.processTimeout)
        let process: ContainerProcess
        do {
            process = try await ContainerProcess.spawn(launch, logSink: logSink)
        } catch {
            failStart(key, error)
            throw ContainerError.startFailure(error)
        }
        registry.record(process)
        jobQueue.yield { [weak self] in
            let exit = await process.waitForExit()
            await self?.processExited(key, process, exit)
        }
        guard let inst = instances[key], (try? inst.state.apply(.spawned)) != nil else {
            await process.destroy()
            throw ContainerError(.startFailed, "Failed to start container: it was stopped while starting.")
        }
        inst.process = process
        inst.port = port
        logger.debug("Container \(key.className)/\(key.instanceID) started (pid \(process.pid), port \(port))")
        onEvent?(.started(className: key.className, instanceID: key.instanceID, pid: process.pid))

        let pool: ContainerConnectionPool
        do {
            let namespace = options.enableInternet ? nil : try NetworkNamespace(pid: process.pid)
            pool = ContainerConnectionPool(connector: ContainerConnector(port: port, namespace: namespace), group: group)
            inst.pool = pool
            try await options.probe.waitUntilReady(pool: pool, process: process)
        } catch {
            await process.destroy()
            let failure = ContainerError.startFailure(error)
            onEvent?(.startFailed(className: key.className, instanceID: key.instanceID, error: failure))
            throw failure
        }
        guard instances[key]?.process === process, process.isRunning, (try? inst.state.apply(.ready)) != nil else {
            throw ContainerError(.startFailed, "Failed to start container: it stopped while starting.")
        }
        inst.proxy = ContainerProxy(pool: pool)
        inst.activity = ActivityMonitor(sleepAfter: options.sleepAfter)
        onEvent?(.healthy(className: key.className, instanceID: key.instanceID))
    }

    private func failStart(_ key: Key, _ error: ContainerError) {
        _ = try? instances[key]?.state.apply(.startFailed)
        logger.error("Container \(key.className)/\(key.instanceID) failed to start: \(error.message)")
        onEvent?(.startFailed(className: key.className, instanceID: key.instanceID, error: ContainerError.startFailure(error)))
    }

    private func stop(_ key: Key, signal: Int32, grace: Duration?, reason: ContainerExit.Reason) async -> ContainerExit? {
        if let task = instances[key]?.startTask { _ = try? await task.value }
        guard let inst = instances[key] else { return nil }
        guard let process = inst.process else { return inst.lastExit }
        _ = try? inst.state.apply(.stop)
        inst.pool?.close()
        let exit: ContainerExit
        if signal == SIGKILL {
            exit = reason == .destroyed ? await process.destroy() : await process.stop(signal: SIGKILL, grace: .zero, reason: reason)
        } else {
            exit = await process.stop(signal: signal, grace: grace ?? inst.options.stopGrace, reason: reason)
        }
        processExited(key, process, exit)
        return exit
    }

    /// Records an exit once per process (the exit watcher and `stop` may both report it).
    private func processExited(_ key: Key, _ process: ContainerProcess, _ exit: ContainerExit) {
        registry.remove(pid: process.pid)
        guard let inst = instances[key], inst.process === process else { return }
        _ = try? inst.state.apply(.exited(exit.exitCode))
        inst.process = nil
        inst.proxy = nil
        inst.pool?.close()
        inst.pool = nil
        inst.activity = nil
        inst.lastExit = exit
        switch exit.reason {
        case .exited where exit.exitCode != 0, .memoryLimit, .killedAfterGrace:
            logger.warning("Container \(key.className)/\(key.instanceID) (pid \(process.pid)) ended: \(exit)")
        default:
            logger.debug("Container \(key.className)/\(key.instanceID) (pid \(process.pid)) ended: \(exit)")
        }
        onEvent?(.stopped(className: key.className, instanceID: key.instanceID, exit: exit))
    }

    private func sweepLoop() async {
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: sweepInterval)
            sweep()
            if ContinuousClock.now - lastStatus >= .seconds(1) {
                lastStatus = .now
                writeStatus()
            }
        }
        writeStatus()
    }

    /// Where `list()` is published for other processes (`outpost containers list`), about once a second.
    public nonisolated var statusPath: String { Self.statusPath(stateDirectory: registry.path) }

    static func statusPath(stateDirectory registryPath: String) -> String {
        (registryPath as NSString).deletingLastPathComponent + "/status.json"
    }

    /// Reads the list the supervisor of `stateDirectory` published last (empty when none runs).
    public static func publishedStatus(stateDirectory: String) -> [ContainerInfo] {
        let path = (stateDirectory as NSString).appendingPathComponent("containers/status.json")
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([ContainerInfo].self, from: data)) ?? []
    }

    private func writeStatus() {
        guard let data = try? JSONEncoder().encode(list()) else { return }
        try? data.write(to: URL(fileURLWithPath: statusPath), options: .atomic)
    }

    /// Puts instances whose sleepAfter expired (with nothing in flight) to sleep.
    private func sweep() {
        for inst in instances.values where inst.state.phase == .healthy && !inst.expiryHandled {
            guard let activity = inst.activity, activity.isExpired else { continue }
            inst.expiryHandled = true
            let key = inst.key
            let handler = inst.onActivityExpired
            jobQueue.yield { [weak self] in
                if let handler {
                    await handler(key.className, key.instanceID)
                    await self?.afterExpiryHandler(key)
                } else {
                    _ = await self?.stop(key, signal: SIGTERM, grace: nil, reason: .stopped)
                }
            }
        }
    }

    /// A custom `onActivityExpired` that left the instance running keeps it for another period.
    private func afterExpiryHandler(_ key: Key) {
        guard let inst = instances[key], inst.state.phase == .healthy else { return }
        inst.activity?.touch()
        inst.expiryHandled = false
    }

    static func freePort() throws(ContainerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ContainerError(.spawnFailed, "Cannot pick a port.", cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ContainerError(.spawnFailed, "Cannot pick a port.", cause: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
