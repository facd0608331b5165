public import Outpost
public import ServiceDescriptors
import DocumentProcessorDescriptor

/// The `document-processor` service's container class. Everything about it is in its
/// descriptor: it needs no network (inputs arrive as request bodies, outputs go back in the response).
public actor DocumentProcessor: ServiceContainer {
    public static var descriptor: ServiceDescriptor { DocumentProcessorDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
