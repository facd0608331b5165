public import Logging
import NIOConcurrencyHelpers

/// What every subsystem is built from. `env` is set once all bindings exist, so objects built
/// later (Durable Objects, queue consumers) can reach every binding.
public final class RuntimeContext: Sendable {
    public let config: WranglerConfig
    public let stateDirectory: String
    public let clock: RuntimeClock
    public let logger: Logger
    public let script: WorkerScript
    public let background: BackgroundWork
    public let durableObjectOptions: DurableObjectOptions
    private let envBox = NIOLockedValueBox<Env?>(nil)
    /// Set once the containers subsystem exists (Durable Objects are built later and look it up).
    let containers = NIOLockedValueBox<ContainersSubsystem?>(nil)

    init(config: WranglerConfig, stateDirectory: String, clock: RuntimeClock, logger: Logger, script: WorkerScript, background: BackgroundWork, durableObjectOptions: DurableObjectOptions = DurableObjectOptions()) {
        self.config = config
        self.stateDirectory = stateDirectory
        self.clock = clock
        self.logger = logger
        self.script = script
        self.background = background
        self.durableObjectOptions = durableObjectOptions
    }

    /// The Worker's environment. Valid once the runtime has finished booting.
    public var env: Env {
        guard let env = envBox.withLockedValue({ $0 }) else {
            preconditionFailure("env used before the runtime finished booting")
        }
        return env
    }

    func setEnv(_ env: Env) { envBox.withLockedValue { $0 = env } }

    /// A new execution context whose `waitUntil` work the runtime tracks.
    public func makeExecutionContext() -> ExecutionContext {
        ExecutionContext(background: background)
    }
}
