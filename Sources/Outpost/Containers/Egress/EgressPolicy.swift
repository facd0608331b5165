/// Which hosts an instance may reach through the egress proxy, as Cloudflare decides it:
///
/// 1. a host matching `deniedHosts` is blocked, whatever else is set;
/// 2. when `allowedHosts` is not empty it is an allowlist: a matching host is allowed (even with
///    `enableInternet = false`) and every other host is blocked;
/// 3. otherwise `enableInternet` decides.
///
/// Within each list the patterns are tried in order and the first match is the rule reported.
/// No I/O: the proxy asks `decision(for:)` per request.
public struct EgressPolicy: Sendable, Hashable {
    public var enableInternet: Bool
    public var allowedHosts: [HostPattern]
    public var deniedHosts: [HostPattern]

    public init(enableInternet: Bool = true, allowedHosts: [String] = [], deniedHosts: [String] = []) {
        self.enableInternet = enableInternet
        self.allowedHosts = allowedHosts.map(HostPattern.init)
        self.deniedHosts = deniedHosts.map(HostPattern.init)
    }

    /// True when traffic must be filtered, so the instance needs its own network namespace and the proxy.
    /// With internet and no rules, the instance shares the runtime's network (Cloudflare's default).
    public var isRestricted: Bool { !enableInternet || !allowedHosts.isEmpty || !deniedHosts.isEmpty }

    /// Allowed or blocked, with the rule that decided.
    public func decision(for host: String) -> EgressDecision {
        if let rule = deniedHosts.first(where: { $0.matches(host) }) { return .blocked(.denied(rule)) }
        if !allowedHosts.isEmpty {
            if let rule = allowedHosts.first(where: { $0.matches(host) }) { return .allowed(.allowedHost(rule)) }
            return .blocked(.notAllowed)
        }
        return enableInternet ? .allowed(.internet) : .blocked(.noInternet)
    }
}

/// What `EgressPolicy` decided for one host.
public enum EgressDecision: Sendable, Hashable {
    case allowed(Allowance)
    case blocked(Block)

    public enum Allowance: Sendable, Hashable {
        /// Matched this `allowedHosts` pattern.
        case allowedHost(HostPattern)
        /// No list applies and `enableInternet` is true.
        case internet
    }

    public enum Block: Sendable, Hashable, CustomStringConvertible {
        /// Matched this `deniedHosts` pattern.
        case denied(HostPattern)
        /// `allowedHosts` is set and no pattern matched.
        case notAllowed
        /// No list applies and `enableInternet` is false.
        case noInternet

        /// The rule, as the 520 body and the log name it.
        public var description: String {
            switch self {
            case .denied(let rule): "it matches deniedHosts pattern \"\(rule.text)\""
            case .notAllowed: "it matches no allowedHosts pattern"
            case .noInternet: "enableInternet is false and allowedHosts is empty"
            }
        }
    }

    public var isAllowed: Bool { if case .allowed = self { true } else { false } }
}
