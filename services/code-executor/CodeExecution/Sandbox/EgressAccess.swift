import Foundation

/// The runtime's egress proxy this instance sits behind, if any: the only network a run with
/// `allowNetworking` gets.
///
/// The runtime sets `OUTPOST_EGRESS_PROXY` when the instance has a network namespace of its own
/// whose only way out is that proxy (the class's `enableInternet`, `allowedHosts`, `deniedHosts`;
/// the CodeExecutor class reads its `allowedHosts` from `CODE_EXECUTOR_ALLOWED_HOSTS`). Without
/// it, the instance may share the host's network, so `allowNetworking` is refused.
public struct EgressAccess: Sendable, Equatable {
    /// `http://127.0.0.1:<port>`, inside the instance's (and a networking run's) network namespace.
    public var proxyURL: String

    public init(proxyURL: String) { self.proxyURL = proxyURL }

    /// The variable the runtime sets.
    public static let variable = "OUTPOST_EGRESS_PROXY"

    /// This instance's proxy, from its environment.
    public static let current: EgressAccess? = ProcessInfo.processInfo.environment[variable]
        .flatMap { $0.hasPrefix("http://") ? EgressAccess(proxyURL: $0) : nil }

    /// What a networking run's HTTP clients read to find the proxy. No NO_PROXY: nothing on the
    /// run's loopback is for it, so every request goes through the proxy and its rules.
    var environment: [String: String] {
        ["HTTP_PROXY": proxyURL, "HTTPS_PROXY": proxyURL, "http_proxy": proxyURL, "https_proxy": proxyURL]
    }
}
