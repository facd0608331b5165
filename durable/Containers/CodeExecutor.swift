public import Outpost
public import ServiceDescriptors
import CodeExecutorDescriptor
import Foundation

/// The `code-executor` service's container class. Everything about it is in its descriptor; its
/// runs build their own bubblewrap sandboxes, so wrangler.toml gives the class `sandbox = { nested = true }`.
///
/// Egress: the instance has no internet (the descriptor's `enableInternet = false`); runs with
/// `allowNetworking` reach, through the runtime's egress proxy, only the hosts listed in the
/// `CODE_EXECUTOR_ALLOWED_HOSTS` variable (comma-separated glob patterns; empty: none, every
/// request gets 520).
public actor CodeExecutor: ServiceContainer {
    public static var descriptor: ServiceDescriptor { CodeExecutorDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter
    public let allowedHosts: [String]

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
        allowedHosts = Self.allowedHosts(env: env)
    }

    /// `CODE_EXECUTOR_ALLOWED_HOSTS`, split on commas.
    public static func allowedHosts(env: Env) -> [String] {
        (env["CODE_EXECUTOR_ALLOWED_HOSTS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
