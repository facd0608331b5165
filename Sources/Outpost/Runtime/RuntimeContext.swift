public import Logging

/// What every subsystem is built from, all of it known before any subsystem exists.
///
/// The Worker's `env` is not here: it holds the subsystems' bindings, so it is made after them
/// (by `DurableObjectsSubsystem`, whose objects are built with it) and passed explicitly to the
/// parts that call the Worker.
public final class RuntimeContext: Sendable {
    public let config: WranglerConfig
    public let stateDirectory: String
    public let clock: RuntimeClock
    public let logger: Logger
    public let script: WorkerScript
    public let background: BackgroundWork
    public let durableObjectOptions: DurableObjectOptions
    /// What the runtime and the app record, served on the app's `/metrics`.
    public let metrics: Metrics
    /// One line per request, for `outpost tail`.
    public let accessLog: AccessLog

    init(config: WranglerConfig, stateDirectory: String, clock: RuntimeClock, logger: Logger, script: WorkerScript, background: BackgroundWork, durableObjectOptions: DurableObjectOptions = DurableObjectOptions(), metrics: Metrics = Metrics()) {
        self.config = config
        self.stateDirectory = stateDirectory
        self.clock = clock
        self.logger = logger
        self.script = script
        self.background = background
        self.durableObjectOptions = durableObjectOptions
        self.metrics = metrics
        self.accessLog = AccessLog(stateDirectory: stateDirectory)
    }

    /// A new execution context whose `waitUntil` work the runtime tracks.
    public func makeExecutionContext() -> ExecutionContext {
        ExecutionContext(background: background)
    }
}
