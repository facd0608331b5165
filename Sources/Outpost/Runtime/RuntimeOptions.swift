public import Logging

/// How to boot a runtime: where its configuration and state live, and which overrides apply.
public struct RuntimeOptions: Sendable {
    /// Path of `wrangler.toml`.
    public var configPath: String
    /// `--env NAME`: use `[env.NAME]`.
    public var environment: String?
    /// `--persist-to`: every file the runtime writes lives under here.
    public var stateDirectory: String
    /// `--var NAME:VALUE`, applied after `[vars]` and `.dev.vars`.
    public var varOverrides: [String: String]
    /// Read `.dev.vars` beside the configuration.
    public var loadDevVars: Bool
    public var logger: Logger
    public var clock: RuntimeClock
    /// Durable Object tuning (idle timeout, alarm retry backoff…).
    public var durableObjects: DurableObjectOptions
    /// Record metrics (false: every recording is skipped, and `/metrics` is empty).
    public var metrics: Bool

    public init(
        configPath: String = "wrangler.toml",
        environment: String? = nil,
        stateDirectory: String = ".outpost/state",
        varOverrides: [String: String] = [:],
        loadDevVars: Bool = true,
        logger: Logger = Logger(label: "outpost"),
        clock: RuntimeClock = RuntimeClock(),
        durableObjects: DurableObjectOptions = DurableObjectOptions(),
        metrics: Bool = true
    ) {
        self.configPath = configPath
        self.environment = environment
        self.stateDirectory = stateDirectory
        self.varOverrides = varOverrides
        self.loadDevVars = loadDevVars
        self.logger = logger
        self.clock = clock
        self.durableObjects = durableObjects
        self.metrics = metrics
    }
}
