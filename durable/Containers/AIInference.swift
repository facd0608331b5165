public import Outpost
public import ServiceDescriptors
import AIInferenceDescriptor

/// The `ai-inference` service's container class. Everything about it is in its descriptor; the
/// model files it reads are mapped read-only by wrangler.toml's `read_only_paths` (`/opt/ai-models`).
public actor AIInference: ServiceContainer {
    public static var descriptor: ServiceDescriptor { AIInferenceDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
