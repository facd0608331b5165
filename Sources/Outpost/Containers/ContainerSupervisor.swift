import Foundation
import COutpostSys
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
        /// One connection pool per declared port, keyed by the declared port.
        var pools: [Int: ContainerConnectionPool] = [:]
        /// The running process's egress proxy, when it has its own network namespace.
        var egress: EgressProxy?
        /// Declared ports that answered HTTP since this process started (`defaultPort` once healthy).
        var readyPorts: Set<Int> = []
        var activity: ActivityMonitor?
        var options = ContainerStartOptions()
        var startTask: Task<Void, any Error>?
        /// The host port of `defaultPort` (the same port inside a network namespace).
        var port: Int?
        /// The scratch disk limit of the running process (bytes).
        var diskLimit: Int64 = 0
        var lastExit: ContainerExit?
        /// When the running process was launched (for the cold-start and instance-seconds metrics).
        var launchedAt: ContinuousClock.Instant?
        /// How the running process was seen ready on its default port.
        var readySignal: ReadinessProbe.Signal?
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
    private let metrics: Metrics
    private let launcherPath: String?
    private let applicationID: String
    private let group: any EventLoopGroup
    private let onEvent: (@Sendable (ContainerEvent) -> Void)?
    private let logSink: ContainerLogSink
    private let sweepInterval: Duration
    private let diskCheckInterval: Duration
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
    ///   - sweepInterval: how often idle instances are looked for.
    ///   - diskCheckInterval: how often each running instance's scratch directory is measured.
    public init(stateDirectory: String, classes: [ContainerClass], logger: Logger = Logger(label: "outpost.containers"),
                launcherPath: String? = nil, applicationID: String = "outpost", group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logSink: ContainerLogSink? = nil, onEvent: (@Sendable (ContainerEvent) -> Void)? = nil,
                sweepInterval: Duration = .milliseconds(100), diskCheckInterval: Duration = .seconds(1), metrics: Metrics = Metrics()) {
        self.stateDirectory = stateDirectory
        self.metrics = metrics
        self.classes = Dictionary(classes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.logger = logger
        self.launcherPath = launcherPath
        self.applicationID = applicationID
        self.group = group
        self.onEvent = onEvent
        self.sweepInterval = sweepInterval
        self.diskCheckInterval = diskCheckInterval
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
            group.addTask { await self.diskLoop() }
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask { await job() }
            }
            await self.shutdown()
            group.cancelAll()
        }
    }

    // MARK: Lifecycle

    /// Starts the instance if it is not running and waits until its `defaultPort` answers, then
    /// until each of `ports` answers too. Concurrent callers share one start; `options` of the first caller win.
    /// - Parameter ports: more ports to wait for (each must be `defaultPort` or one of `requiredPorts`).
    public func start(className: String, instanceID: String, options: ContainerStartOptions = ContainerStartOptions(),
                      ports: [Int] = [], onActivityExpired: ActivityExpiredHandler? = nil) async throws(ContainerError) {
        for port in ports { try Self.checkDeclared(port, options) }
        let key = Key(className: className, instanceID: instanceID)
        let (_, activity) = try await ensureRunning(key, options: options, onActivityExpired: onActivityExpired)
        // Waiting for ports counts as activity, so a short sleepAfter cannot stop the instance meanwhile.
        let token = activity.begin()
        defer { token.release() }
        for port in ports { _ = try await readyPool(key, port: port) }
    }

    /// Proxies `request` to the instance, starting it first when needed.
    /// - Parameter port: the declared port to send it to (`defaultPort` when nil); a port other than
    ///   `defaultPort` is waited for (any HTTP answer) before the first request goes to it.
    public func fetch(_ request: Request, className: String, instanceID: String, options: ContainerStartOptions = ContainerStartOptions(),
                      port: Int? = nil, onActivityExpired: ActivityExpiredHandler? = nil) async throws -> Response {
        if let port { try Self.checkDeclared(port, options) }
        let key = Key(className: className, instanceID: instanceID)
        let (pool, activity) = try await ensureRunning(key, options: options, onActivityExpired: onActivityExpired)
        let token = activity.begin()
        var target = pool
        if let port, port != instances[key]?.options.defaultPort {
            do { target = try await readyPool(key, port: port) } catch { token.release(); throw error }
        }
        return try await ContainerProxy(pool: target).fetch(request, token: token, activity: activity)
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

    /// How the running process of an instance was seen ready: by its notice on the readiness pipe,
    /// or by a poll of its port (an image that does not notify). Nil until it is ready.
    public func readySignal(className: String, instanceID: String) -> ReadinessProbe.Signal? {
        let inst = instances[Key(className: className, instanceID: instanceID)]
        return inst?.process == nil || inst?.state.phase != .healthy ? nil : inst?.readySignal
    }

    /// The running process of an instance.
    public func process(className: String, instanceID: String) -> ContainerProcess? {
        instances[Key(className: className, instanceID: instanceID)]?.process
    }

    /// What `outpost containers list` shows.
    public func list() -> [ContainerInfo] {
        let now = ContinuousClock.now
        // One /proc scan for every instance's process tree (its launcher, init and service).
        let children = instances.values.contains { $0.process != nil } ? ProcFS.children() : [:]
        return instances.values.sorted { ($0.key.className, $0.key.instanceID) < ($1.key.className, $1.key.instanceID) }.map { inst in
            let activity = inst.activity?.snapshot
            return ContainerInfo(
                className: inst.key.className, instanceID: inst.key.instanceID, state: inst.state.status, exitCode: inst.state.exitCode,
                pid: inst.process?.pid, port: inst.process == nil ? nil : inst.port,
                uptimeSeconds: inst.process.map { Self.seconds(now - $0.startedAt) },
                idleSeconds: activity.map { Self.seconds(now - $0.lastActivity) }, inFlight: activity?.inFlight ?? 0,
                memoryBytes: inst.process?.memoryBytes(children: children))
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

    /// A port a request or a wait may name: `defaultPort` or one of `requiredPorts`.
    static func checkDeclared(_ port: Int, _ options: ContainerStartOptions) throws(ContainerError) {
        guard options.declaredPorts.contains(port) else {
            let others = options.requiredPorts.isEmpty ? "no requiredPorts" : "requiredPorts \(options.requiredPorts)"
            throw ContainerError(.undeclaredPort,
                "Port \(port) is not a port of this container (defaultPort \(options.defaultPort), \(others)): add it to requiredPorts.")
        }
    }

    /// The pool of declared `port` of a running instance, once that port answered HTTP.
    private func readyPool(_ key: Key, port: Int) async throws(ContainerError) -> ContainerConnectionPool {
        guard let inst = instances[key], let process = inst.process, let pool = inst.pools[port] else {
            if let inst = instances[key], inst.process != nil { try Self.checkDeclared(port, inst.options) }
            throw ContainerError(.notRunning, "The container instance has stopped.")
        }
        if inst.readyPorts.contains(port) { return pool }
        try await inst.options.probe.waitUntilReady(pool: pool, process: process)
        if instances[key]?.process === process { inst.readyPorts.insert(port) }
        return pool
    }

    private func ensureRunning(_ key: Key, options: ContainerStartOptions, onActivityExpired: ActivityExpiredHandler?) async throws(ContainerError) -> (ContainerConnectionPool, ActivityMonitor) {
        guard let cls = classes[key.className] else {
            throw ContainerError(.unknownClass, "No container class \"\(key.className)\" is configured; add it to [[containers]].")
        }
        while true {
            let inst = instances[key] ?? {
                let created = Instance(key: key)
                instances[key] = created
                return created
            }()
            if inst.state.phase == .healthy, let pool = inst.pools[inst.options.defaultPort], let activity = inst.activity,
               inst.process?.isRunning == true {
                return (pool, activity)
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
        // Inside its own network namespace an instance listens on its declared ports; on the host
        // network each declared port maps to a free host port, so instances never collide. Any egress
        // rule (or no internet) puts it in its own namespace, where only the egress proxy leads out.
        let policy = options.egressPolicy
        let ownNetwork = policy.isRestricted
        var ports: [Int: Int] = [:]
        do {
            for declared in options.declaredPorts {
                ports[declared] = ownNetwork ? declared : try Self.freePort(avoiding: Set(ports.values))
            }
        } catch {
            failStart(key, error)
            throw ContainerError.startFailure(error)
        }
        let port = ports[options.defaultPort]!
        let egressPort = ownNetwork ? EgressProxy.port(avoiding: options.declaredPorts) : nil
        var env = ContainerLaunch.environment(applicationID: applicationID, durableObjectID: options.durableObjectID ?? key.instanceID,
                                              port: port, envVars: options.envVars, ports: ports)
        if let egressPort { env.merge(EgressProxy.environment(port: egressPort, policy: policy)) { _, proxy in proxy } }
        var launch = ContainerLaunch(className: key.className, instanceID: key.instanceID, executable: cls.executable,
                                     arguments: options.entrypoint.map { Array($0.dropFirst()) } ?? cls.arguments,
                                     environment: env, port: port, instanceType: cls.instanceType,
                                     memoryLimitBytes: options.memoryLimitBytes ?? cls.memoryLimitBytes,
                                     enableInternet: !ownNetwork, stateDirectory: stateDirectory, launcherPath: launcherPath,
                                     processTimeout: options.processTimeout, ports: ports,
                                     diskLimitBytes: options.diskLimitBytes ?? cls.diskLimitBytes, sandbox: cls.sandbox)
        // The runtime makes the instance's namespace itself when it may (root), so the egress proxy
        // listens before the service runs: a request in its first instant is never refused.
        let ownNamespace = ownNetwork ? try? NetworkNamespace.create() : nil
        launch.networkNamespace = ownNamespace
        var egress: EgressProxy?
        let process: ContainerProcess
        let launchedAt = ContinuousClock.now
        do {
            if let ownNamespace, let egressPort {
                egress = try await EgressProxy.start(namespace: ownNamespace, port: egressPort, policy: policy, group: group,
                                                     logger: logger, instance: "\(key.className)/\(key.instanceID)")
            }
            process = try await ContainerProcess.spawn(launch, logSink: logSink)
        } catch {
            egress?.close()
            failStart(key, error)
            throw ContainerError.startFailure(error)
        }
        registry.record(process)
        jobQueue.yield { [weak self] in
            let exit = await process.waitForExit()
            await self?.processExited(key, process, exit)
        }
        guard let inst = instances[key], (try? inst.state.apply(.spawned)) != nil else {
            egress?.close()
            await process.destroy()
            throw ContainerError(.startFailed, "Failed to start container: it was stopped while starting.")
        }
        inst.process = process
        inst.launchedAt = launchedAt
        metrics.adjust(RuntimeMetricFamilies.containersRunning, key.className, by: 1)
        inst.port = port
        inst.diskLimit = launch.diskBytes
        inst.readyPorts = []
        logger.debug("Container \(key.className)/\(key.instanceID) started (pid \(process.pid), port \(port))")
        onEvent?(.started(className: key.className, instanceID: key.instanceID, pid: process.pid))

        inst.egress = egress
        do {
            var namespace = ownNamespace
            if ownNetwork, namespace == nil { namespace = try NetworkNamespace(pid: process.pid) }
            if let namespace, let egressPort, inst.egress == nil {
                // Without the right to make namespaces, the launcher made it: the proxy comes just after the service.
                inst.egress = try await EgressProxy.start(namespace: namespace, port: egressPort, policy: policy, group: group,
                                                          logger: logger, instance: "\(key.className)/\(key.instanceID)")
            }
            inst.pools = ports.mapValues { ContainerConnectionPool(connector: ContainerConnector(port: $0, namespace: namespace), group: group) }
            inst.readySignal = try await options.probe.waitUntilReady(pool: inst.pools[options.defaultPort]!, process: process, notification: true)
        } catch {
            inst.egress?.close()
            inst.egress = nil
            await process.destroy()
            let failure = ContainerError.startFailure(error)
            onEvent?(.startFailed(className: key.className, instanceID: key.instanceID, error: failure))
            throw failure
        }
        guard instances[key]?.process === process, process.isRunning, (try? inst.state.apply(.ready)) != nil else {
            throw ContainerError(.startFailed, "Failed to start container: it stopped while starting.")
        }
        inst.readyPorts.insert(options.defaultPort)
        inst.activity = ActivityMonitor(sleepAfter: options.sleepAfter)
        metrics.increment(RuntimeMetricFamilies.containerStarts, key.className)
        metrics.observe(RuntimeMetricFamilies.containerColdStart, key.className, duration: .now - launchedAt)
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
        for pool in inst.pools.values { if reason == .runtimeShutdown { pool.closeAll() } else { pool.close() } }
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
        for pool in inst.pools.values { pool.close() }
        inst.pools = [:]
        inst.egress?.close()
        inst.egress = nil
        inst.readyPorts = []
        inst.activity = nil
        inst.lastExit = exit
        recordStop(key.className, exit, ranFor: inst.launchedAt.map { .now - $0 })
        inst.launchedAt = nil
        inst.readySignal = nil
        switch exit.reason {
        case .exited where exit.exitCode != 0, .memoryLimit, .diskLimit, .killedAfterGrace:
            logger.warning("Container \(key.className)/\(key.instanceID) (pid \(process.pid)) ended: \(exit)")
        default:
            logger.debug("Container \(key.className)/\(key.instanceID) (pid \(process.pid)) ended: \(exit)")
        }
        onEvent?(.stopped(className: key.className, instanceID: key.instanceID, exit: exit))
    }

    private func recordStop(_ className: String, _ exit: ContainerExit, ranFor: Duration?) {
        typealias F = RuntimeMetricFamilies
        metrics.adjust(F.containersRunning, className, by: -1)
        if let ranFor { metrics.add(F.containerInstanceSeconds, className, amount: Double(ranFor.components.seconds) + Double(ranFor.components.attoseconds) * 1e-18) }
        let reason: String
        switch exit.reason {
        case .memoryLimit:
            reason = "oom"
            metrics.increment(F.containerOOMKills, className)
        case .exited: reason = exit.signal != nil ? "signal" : exit.exitCode == 0 ? "exit" : "error"
        case .stopped, .killedAfterGrace, .destroyed: reason = "stopped"
        case .diskLimit: reason = "disk_limit"
        case .runtimeShutdown: reason = "shutdown"
        case .startFailed: reason = "start_failed"
        }
        metrics.increment(F.containerStops, className, reason)
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
            jobQueue.yield { [weak self] in await self?.expire(key, handler: handler) }
        }
    }

    /// Puts an instance to sleep through its `onActivityExpired` handler, or stops it. A request may
    /// have begun since the sweep (a busy machine runs this job late), so only an instance still
    /// idle goes: the check and the stop happen in one turn of the actor.
    private func expire(_ key: Key, handler: ActivityExpiredHandler?) async {
        guard isStillExpired(key) else { return }
        if let handler {
            await handler(key.className, key.instanceID)
            afterExpiryHandler(key)
        } else {
            _ = await stop(key, signal: SIGTERM, grace: nil, reason: .stopped)
        }
    }

    /// True when `key` is still healthy and expired; otherwise the sweep may look at it again later.
    private func isStillExpired(_ key: Key) -> Bool {
        guard let inst = instances[key], inst.state.phase == .healthy else { return false }
        guard inst.activity?.isExpired == true else {
            inst.expiryHandled = false
            return false
        }
        return true
    }

    private func diskLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: diskCheckInterval)
            await checkDisks()
        }
    }

    /// Measures every running instance's scratch directory (off the actor, on the thread pool) and
    /// kills each one over its instance type's disk size, reported with reason `diskLimit`.
    private func checkDisks() async {
        let running = instances.values.compactMap { inst -> (key: Key, process: ContainerProcess, limit: Int64)? in
            guard let process = inst.process, process.isRunning, inst.state.phase != .stopping else { return nil }
            return (inst.key, process, inst.diskLimit)
        }
        guard !running.isEmpty,
              let usage = try? await NIOThreadPool.singleton.runIfActive({ running.map { DiskUsage.bytes(under: $0.process.scratchDirectory) } })
        else { return }
        for (instance, used) in zip(running, usage) where used > instance.limit {
            let key = instance.key
            guard instances[key]?.process === instance.process, instance.process.isRunning else { continue }
            logger.warning("Container \(key.className)/\(key.instanceID) (pid \(instance.process.pid)) wrote \(used) bytes to its scratch directory, over its disk limit of \(instance.limit) bytes: killing it")
            jobQueue.yield { [weak self] in _ = await self?.stop(key, signal: SIGKILL, grace: .zero, reason: .diskLimit) }
        }
    }

    /// A custom `onActivityExpired` that left the instance running keeps it for another period.
    private func afterExpiryHandler(_ key: Key) {
        guard let inst = instances[key], inst.state.phase == .healthy else { return }
        inst.activity?.touch()
        inst.expiryHandled = false
    }

    /// A free port on 127.0.0.1 other than those in `taken`.
    static func freePort(avoiding taken: Set<Int>) throws(ContainerError) -> Int {
        for _ in 0..<16 {
            let port = try freePort()
            if !taken.contains(port) { return port }
        }
        throw ContainerError(.spawnFailed, "Cannot pick a free port.")
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
