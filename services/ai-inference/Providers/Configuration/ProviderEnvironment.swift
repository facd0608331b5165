import Foundation

extension ProviderConfiguration {
    /// Every variable that configures a provider: what the container class passes on from the
    /// Worker's vars and secrets, and nothing else.
    public static var variableNames: [String] {
        var names = ProviderVariables.all.flatMap { [$0.required, $0.apiKey, $0.baseURL, $0.model] + ($0.version.map { [$0] } ?? []) }
        names.append(ProviderVariables.defaultProvider)
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }

    /// The hosts of the configured providers: all the service may reach (its `allowedHosts`).
    public var hosts: [String] {
        var seen: Set<String> = []
        return endpoints.compactMap { $0.baseURL.host?.lowercased() }.filter { seen.insert($0).inserted }
    }
}
