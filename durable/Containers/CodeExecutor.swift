public import Outpost
public import ServiceDescriptors
import CodeExecutorDescriptor

/// The `code-executor` service's container class. Everything about it is in its descriptor; its
/// runs build their own bubblewrap sandboxes, so wrangler.toml gives the class `sandbox = { nested = true }`.
public actor CodeExecutor: ServiceContainer {
    public static var descriptor: ServiceDescriptor { CodeExecutorDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
