public import Outpost
public import ServiceDescriptors
import ReportGeneratorDescriptor

/// The `report-generator` service's container class. Everything about it is in its descriptor; its
/// input is the platform dataset the orchestrator streams to it (`PlatformDataset`).
public actor ReportGenerator: ServiceContainer {
    public static var descriptor: ServiceDescriptor { ReportGeneratorDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
