public import Outpost

/// The `video-processor` service's container class: analyze and thumbnail jobs, 3 at a time
/// per instance. It needs no network: inputs arrive as request bodies and outputs go back in
/// the response, so it runs with `enableInternet = false`.
public actor VideoProcessor: ServiceContainer {
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env, default: SleepAfter(duration: .seconds(300)))
    }

    public var enableInternet: Bool { false }
    public var envVars: [String: String] { ["JOB_CONCURRENCY": "3"] }
}
