import Durable
import NoopDescriptor
import Outpost
import ServiceDescriptors

/// The no-op service's container class, as ServiceRecipeTests declares the fixture's.
actor Noop: ServiceContainer {
    static var descriptor: ServiceDescriptor { NoopDescriptor.service }
    let state: DurableObjectState
    let env: Env
    let sleepAfter: SleepAfter

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
