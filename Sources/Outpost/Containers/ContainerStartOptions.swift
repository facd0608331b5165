/// How one instance is started: the Container class's fields (`defaultPort`, `sleepAfter`,
/// `envVars`, `entrypoint`, `enableInternet`, `pingEndpoint`) plus the runtime's timeouts.
public struct ContainerStartOptions: Sendable {
    public var defaultPort: Int
    public var sleepAfter: SleepAfter
    public var envVars: [String: String]
    /// Replaces the image's arguments when set (the first element is ignored: the image is the program).
    public var entrypoint: [String]?
    public var enableInternet: Bool
    public var probe: ReadinessProbe
    /// SIGTERM → SIGKILL grace on stop (default 10 s).
    public var stopGrace: Duration
    /// How long the launcher may take to exec the entrypoint (Cloudflare: 8 s).
    public var processTimeout: Duration
    /// The Durable Object id reported as CLOUDFLARE_DURABLE_OBJECT_ID (default: the instance id).
    public var durableObjectID: String?

    public init(defaultPort: Int = 8080, sleepAfter: SleepAfter = .default, envVars: [String: String] = [:], entrypoint: [String]? = nil,
                enableInternet: Bool = true, probe: ReadinessProbe = ReadinessProbe(), stopGrace: Duration = .seconds(10),
                processTimeout: Duration = .seconds(8), durableObjectID: String? = nil) {
        self.defaultPort = defaultPort
        self.sleepAfter = sleepAfter
        self.envVars = envVars
        self.entrypoint = entrypoint
        self.enableInternet = enableInternet
        self.probe = probe
        self.stopGrace = stopGrace
        self.processTimeout = processTimeout
        self.durableObjectID = durableObjectID
    }
}
