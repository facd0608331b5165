public import Foundation
public import OutpostJSON

/// The text-generation providers a service may call, read from its environment (the Container's
/// secrets and vars). Keys stay here: ``describe()`` never shows them.
public struct ProviderConfiguration: Sendable, Equatable {
    /// The configured providers, in the order a default is chosen (OpenAI, Anthropic, compat).
    public var endpoints: [ProviderEndpoint]
    /// `AI_DEFAULT_PROVIDER`, when set.
    public var defaultProvider: ProviderKind?

    /// Creates a configuration from endpoints directly.
    public init(endpoints: [ProviderEndpoint], defaultProvider: ProviderKind? = nil) {
        self.endpoints = endpoints
        self.defaultProvider = defaultProvider
    }

    /// Reads the providers from environment variables; empty values count as unset.
    ///
    /// OpenAI is on with `OPENAI_API_KEY`, Anthropic with `ANTHROPIC_API_KEY`, an OpenAI-compatible
    /// server with `AI_COMPAT_BASE_URL`. No provider at all is not an error here: ``endpoint(for:)``
    /// reports it when generation is asked for.
    /// - Throws: ``ProviderError`` (400, `provider_not_configured`) for a base URL that is not an
    ///   absolute http(s) URL, or an `AI_DEFAULT_PROVIDER` that names no provider or one that is not on.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ProviderConfiguration {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        var endpoints: [ProviderEndpoint] = []
        for variables in ProviderVariables.all where value(variables.required) != nil {
            guard let text = value(variables.baseURL) ?? variables.defaultBaseURL, let url = URL(string: text),
                  let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw ProviderError.notConfigured(
                    "\(variables.baseURL) must be an absolute http or https URL, got \"\(value(variables.baseURL) ?? "")\".")
            }
            endpoints.append(ProviderEndpoint(
                kind: variables.kind, baseURL: url, apiKey: value(variables.apiKey),
                defaultModel: value(variables.model) ?? variables.defaultModel,
                apiVersion: variables.version.flatMap(value) ?? variables.defaultVersion))
        }
        var defaultProvider: ProviderKind?
        if let name = value(ProviderVariables.defaultProvider) {
            guard let kind = ProviderKind(name: name) else {
                throw ProviderError.notConfigured(
                    "\(ProviderVariables.defaultProvider) is \"\(name)\"; it must be one of \(ProviderKind.acceptedNames).")
            }
            guard endpoints.contains(where: { $0.kind == kind }) else {
                throw ProviderError.notConfigured(
                    "\(ProviderVariables.defaultProvider) is \"\(name)\" but that provider is not configured: set \(ProviderVariables.of(kind).hint).")
            }
            defaultProvider = kind
        }
        return ProviderConfiguration(endpoints: endpoints, defaultProvider: defaultProvider)
    }

    /// The endpoint a request goes to: the one it names, else `AI_DEFAULT_PROVIDER`, else the
    /// first configured.
    /// - Throws: ``ProviderError`` 400 naming the variables to set when that provider (or any) is not configured.
    public func endpoint(for requested: ProviderKind?) throws -> ProviderEndpoint {
        guard !endpoints.isEmpty else {
            throw ProviderError.notConfigured(
                "No text-generation provider is configured. Set "
                    + ProviderVariables.all.map(\.hint).joined(separator: "; or ")
                    + ". Set them as secrets or vars of the AIInference container.")
        }
        let kind = requested ?? defaultProvider ?? endpoints[0].kind
        guard let endpoint = endpoints.first(where: { $0.kind == kind }) else {
            throw ProviderError.notConfigured(
                "Provider \"\(kind.rawValue)\" is not configured: set \(ProviderVariables.of(kind).hint). Configured: "
                    + endpoints.map(\.kind.rawValue).joined(separator: ", ") + ".")
        }
        return endpoint
    }

    /// The providers for `GET /api/ai/models`, without keys:
    /// `{"default": name|null, "providers": [{"name", "api", "baseURL", "model", "authenticated"}]}`.
    public func describe() -> JSONValue {
        let chosen = endpoints.isEmpty ? nil : (defaultProvider ?? endpoints[0].kind)
        return .object([
            "default": chosen.map { .string($0.rawValue) } ?? .null,
            "providers": .array(endpoints.map { endpoint in
                .object([
                    "name": .string(endpoint.kind.rawValue),
                    "api": .string(endpoint.kind == .anthropic ? "anthropic-messages" : "openai-chat-completions"),
                    "baseURL": .string(endpoint.publicBaseURL),
                    "model": endpoint.defaultModel.map(JSONValue.string) ?? .null,
                    "authenticated": .bool(endpoint.apiKey != nil),
                ])
            }),
        ])
    }
}
