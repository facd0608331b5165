/// The instance a Container object owns, as `ctx.container` in Workers: `state.container` of a
/// Durable Object whose class has a `[[containers]]` entry, nil otherwise.
///
/// The instance is keyed by class and object id, so it outlives an evicted object and is found
/// again when the object is rebuilt.
public struct ContainerHandle: Sendable {
    public let className: String
    /// The object id (64 hex digits), which names the instance.
    public let instanceID: String
    let supervisor: ContainerSupervisor
    let runActivityExpired: ActivityExpiredHook

    /// Runs the owning object's `onActivityExpired`; false when no Container object could take it.
    typealias ActivityExpiredHook = @Sendable (_ className: String, _ instanceID: String) async -> Bool

    init(className: String, instanceID: String, supervisor: ContainerSupervisor, activityExpired: @escaping ActivityExpiredHook) {
        self.className = className
        self.instanceID = instanceID
        self.supervisor = supervisor
        self.runActivityExpired = activityExpired
    }

    /// Runs the object's `onActivityExpired`; stops the instance when no object can take the hook,
    /// since a handler that leaves it running keeps it awake.
    private var activityExpired: ContainerSupervisor.ActivityExpiredHandler {
        { [runActivityExpired, supervisor] className, instanceID in
            if await !runActivityExpired(className, instanceID) {
                await supervisor.stop(className: className, instanceID: instanceID)
            }
        }
    }

    /// Starts the instance if needed and waits until its `defaultPort` answers, then each of `ports`.
    public func start(options: ContainerStartOptions, ports: [Int] = []) async throws(ContainerError) {
        try await supervisor.start(className: className, instanceID: instanceID, options: options, ports: ports, onActivityExpired: activityExpired)
    }

    /// Proxies `request` to the instance's `port` (`defaultPort` when nil), starting it first when needed.
    public func fetch(_ request: Request, options: ContainerStartOptions, port: Int? = nil) async throws -> Response {
        try await supervisor.fetch(request, className: className, instanceID: instanceID, options: options, port: port,
                                   onActivityExpired: activityExpired)
    }

    /// Sends `signal`, then SIGKILL after `grace`.
    @discardableResult
    public func stop(signal: Int32, grace: Duration?) async -> ContainerExit? {
        await supervisor.stop(className: className, instanceID: instanceID, signal: signal, grace: grace)
    }

    /// SIGKILL at once.
    @discardableResult
    public func destroy() async -> ContainerExit? {
        await supervisor.destroy(className: className, instanceID: instanceID)
    }

    public func state() async -> ContainerState {
        await supervisor.state(className: className, instanceID: instanceID)
    }

    /// The running process (pid, start time), if any.
    public func process() async -> ContainerProcess? {
        await supervisor.process(className: className, instanceID: instanceID)
    }

    /// Renews the sleepAfter deadline.
    public func touch() async {
        await supervisor.touch(className: className, instanceID: instanceID)
    }

    /// What `outpost containers list` shows for this instance, when the supervisor knows it.
    public func info() async -> ContainerInfo? {
        await supervisor.list().first { $0.className == className && $0.instanceID == instanceID }
    }

    /// The class's `[[containers]]` settings (image, instance type, max_instances).
    public func containerClass() async -> ContainerClass? {
        await supervisor.containerClass(named: className)
    }
}
