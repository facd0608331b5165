/// How one instance is started: the Container class's fields (`defaultPort`, `requiredPorts`,
/// `sleepAfter`, `envVars`, `entrypoint`, `enableInternet`, `allowedHosts`, `deniedHosts`, `pingEndpoint`) plus the runtime's
/// timeouts and optional limit overrides.
public struct ContainerStartOptions: Sendable {
    public var defaultPort: Int
    public var sleepAfter: SleepAfter
    public var envVars: [String: String]
    /// Replaces the image's arguments when set (the first element is ignored: the image is the program).
    public var entrypoint: [String]?
    public var enableInternet: Bool
    /// Host glob patterns the instance may reach (an allowlist when not empty; see `EgressPolicy`).
    public var allowedHosts: [String]
    /// Host glob patterns the instance may never reach.
    public var deniedHosts: [String]
    public var probe: ReadinessProbe
    /// SIGTERM → SIGKILL grace on stop (default 10 s).
    public var stopGrace: Duration
    /// How long the launcher may take to exec the entrypoint (Cloudflare: 8 s).
    public var processTimeout: Duration
    /// The Durable Object id reported as CLOUDFLARE_DURABLE_OBJECT_ID (default: the instance id).
    public var durableObjectID: String?
    /// Ports besides `defaultPort` the instance listens on; `startAndWaitForPorts` waits for them
    /// and `containerFetch(_:port:)` may address them. Each gets `PORT_<n>` in the environment.
    public var requiredPorts: [Int]
    /// Overrides the instance type's memory limit (bytes); nil keeps the instance type's.
    public var memoryLimitBytes: Int64?
    /// Overrides the instance type's disk size (bytes), which bounds the scratch directory.
    public var diskLimitBytes: Int64?

    public init(defaultPort: Int = 8080, sleepAfter: SleepAfter = .default, envVars: [String: String] = [:], entrypoint: [String]? = nil,
                enableInternet: Bool = true, probe: ReadinessProbe = ReadinessProbe(), stopGrace: Duration = .seconds(10),
                processTimeout: Duration = .seconds(8), durableObjectID: String? = nil, requiredPorts: [Int] = [],
                memoryLimitBytes: Int64? = nil, diskLimitBytes: Int64? = nil, allowedHosts: [String] = [], deniedHosts: [String] = []) {
        self.defaultPort = defaultPort
        self.sleepAfter = sleepAfter
        self.envVars = envVars
        self.entrypoint = entrypoint
        self.enableInternet = enableInternet
        self.allowedHosts = allowedHosts
        self.deniedHosts = deniedHosts
        self.probe = probe
        self.stopGrace = stopGrace
        self.processTimeout = processTimeout
        self.durableObjectID = durableObjectID
        self.requiredPorts = requiredPorts
        self.memoryLimitBytes = memoryLimitBytes
        self.diskLimitBytes = diskLimitBytes
    }

    /// The egress rules: `enableInternet`, `allowedHosts` and `deniedHosts` together.
    public var egressPolicy: EgressPolicy {
        EgressPolicy(enableInternet: enableInternet, allowedHosts: allowedHosts, deniedHosts: deniedHosts)
    }

    /// Every port the instance serves: `defaultPort` first, then the other `requiredPorts`.
    public var declaredPorts: [Int] {
        var ports = [defaultPort]
        for port in requiredPorts where !ports.contains(port) { ports.append(port) }
        return ports
    }
}
