/// A Durable Object that owns one container instance (here: one sandboxed child process), with
/// the shape of Cloudflare's `Container` class.
///
/// Declare the class's fields as properties (each has Cloudflare's default), keep the
/// `DurableObjectState` in `state`, and list the class both in `WorkerScript(durableObjects:)`
/// and in `[[containers]]`:
///
/// ```swift
/// actor API: Container {
///     let state: DurableObjectState
///     let sleepAfter = SleepAfter(duration: .seconds(30))
///     init(state: DurableObjectState, env: Env) async throws { self.state = state }
///     func onStop(exitCode: Int32, reason: ContainerExit.Reason) async { /* … */ }
/// }
/// ```
///
/// The default `fetch` proxies every request to the instance, starting it on first use.
/// Lifecycle hooks are delivered as events of this object (it is activated for them if needed).
public protocol Container: DurableObject {
    /// The state the object was built with.
    var state: DurableObjectState { get }
    /// The port the service listens on (it also gets it as `PORT`; on the host network, without egress rules, `PORT` is a free port).
    var defaultPort: Int { get }
    /// More ports the service listens on: `startAndWaitForPorts` waits for them and
    /// `containerFetch(_:port:)` reaches them. The process learns each as `PORT_<n>` (see Containers.md).
    var requiredPorts: [Int] { get }
    /// Idle time before the instance is put to sleep: "10m" by default.
    var sleepAfter: SleepAfter { get }
    /// Extra environment variables for the process.
    var envVars: [String: String] { get }
    /// Replaces the image's arguments (the first element names the program and is ignored).
    var entrypoint: [String]? { get }
    /// False: no outbound traffic except to `allowedHosts` (true by default).
    var enableInternet: Bool { get }
    /// Host glob patterns (`*` matches any run of characters) the instance may reach. When not empty
    /// it is an allowlist: every other host is blocked, even with `enableInternet` true, and these are
    /// reached even with `enableInternet` false. Empty by default.
    var allowedHosts: [String] { get }
    /// Host glob patterns the instance may never reach, checked before `allowedHosts`. Empty by default.
    /// With any rule set (or no internet) the instance reaches the network only through the runtime's
    /// egress proxy, and a blocked request gets HTTP 520 (see Containers.md, "Egress").
    var deniedHosts: [String] { get }
    /// The path probed for readiness: "ping".
    var pingEndpoint: String { get }
    /// How the instance is started; by default built from the fields above.
    var startOptions: ContainerStartOptions { get }

    /// The instance answered on its port.
    func onStart() async
    /// The instance's process ended (exactly once per process).
    func onStop(exitCode: Int32, reason: ContainerExit.Reason) async
    /// A start failed.
    func onError(_ error: ContainerError) async
    /// `sleepAfter` passed with nothing in flight. Default: `stop()` (SIGTERM, SIGKILL after the grace).
    /// An override that leaves the instance running keeps it for another `sleepAfter`.
    func onActivityExpired() async
}

extension Container {
    public var defaultPort: Int { 8080 }
    public var requiredPorts: [Int] { [] }
    public var sleepAfter: SleepAfter { .default }
    public var envVars: [String: String] { [:] }
    public var entrypoint: [String]? { nil }
    public var enableInternet: Bool { true }
    public var allowedHosts: [String] { [] }
    public var deniedHosts: [String] { [] }
    public var pingEndpoint: String { "ping" }

    public var startOptions: ContainerStartOptions {
        ContainerStartOptions(defaultPort: defaultPort, sleepAfter: sleepAfter, envVars: envVars, entrypoint: entrypoint,
                              enableInternet: enableInternet, probe: ReadinessProbe(path: pingEndpoint), durableObjectID: state.id.hex,
                              requiredPorts: requiredPorts, allowedHosts: allowedHosts, deniedHosts: deniedHosts)
    }

    public func onStart() async {}
    public func onStop(exitCode: Int32, reason: ContainerExit.Reason) async {}
    public func onError(_ error: ContainerError) async {}
    public func onActivityExpired() async { await stop() }

    /// Proxies `request` to the instance (`containerFetch`), starting it first when needed.
    public func fetch(_ request: Request) async throws -> Response {
        try await containerFetch(request)
    }

    /// Sends `request` to one of the instance's ports, starting the instance first when needed.
    /// - Parameter port: `defaultPort` when nil; otherwise one of `requiredPorts` (400 for any other).
    public func containerFetch(_ request: Request, port: Int? = nil) async throws -> Response {
        try await containerHandle().fetch(request, options: startOptions, port: port)
    }

    /// Starts the instance if it is not running and waits until its port answers.
    public func start() async throws {
        try await containerHandle().start(options: startOptions)
    }

    /// Starts the instance and waits for `ports` (default `requiredPorts`, else `defaultPort`) to answer.
    /// Each must be `defaultPort` or one of `requiredPorts`.
    public func startAndWaitForPorts(_ ports: [Int]? = nil) async throws {
        try await containerHandle().start(options: startOptions, ports: ports ?? (requiredPorts.isEmpty ? [defaultPort] : requiredPorts))
    }

    /// Stops the instance: `signal` to its process group, SIGKILL after the grace period.
    @discardableResult
    public func stop(signal: Int32 = 15 /* SIGTERM */) async -> ContainerExit? {
        guard let handle = try? containerHandle() else { return nil }
        return await handle.stop(signal: signal, grace: startOptions.stopGrace)
    }

    /// Kills the instance at once (exit 137).
    @discardableResult
    public func destroy() async -> ContainerExit? {
        guard let handle = try? containerHandle() else { return nil }
        return await handle.destroy()
    }

    /// running | healthy | stopping | stopped | stopped_with_code (with `exitCode`).
    public func getState() async -> ContainerState {
        guard let handle = try? containerHandle() else { return ContainerState() }
        return await handle.state()
    }

    /// Renews the sleepAfter deadline (call it for each WebSocket message you relay yourself).
    public func renewActivityTimeout() async {
        await (try? containerHandle())?.touch()
    }

    func containerHandle() throws(ContainerError) -> ContainerHandle {
        guard let handle = state.container else {
            throw ContainerError(.unknownClass, "This Durable Object has no container: add a [[containers]] entry with class_name = \"\(state.storage.className)\".")
        }
        return handle
    }

    /// Runs the hook for one supervisor event, on this actor.
    func outpostContainerEvent(_ event: ContainerEvent) async {
        switch event {
        case .started: break
        case .healthy: await onStart()
        case .stopped(_, _, let exit): await onStop(exitCode: exit.exitCode, reason: exit.reason)
        case .startFailed(_, _, let error): await onError(error)
        }
    }
}
