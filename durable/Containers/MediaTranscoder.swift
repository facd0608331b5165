public import Outpost
public import ServiceDescriptors
import MediaTranscoderDescriptor

/// The `media-transcoder` service's container class. Everything about it is in its descriptor:
/// it needs no network (inputs arrive as request bodies, outputs go back in the response).
public actor MediaTranscoder: ServiceContainer {
    public static var descriptor: ServiceDescriptor { MediaTranscoderDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}
