public import Foundation

/// One configured provider: where it is, how to authenticate, which model to use by default.
public struct ProviderEndpoint: Sendable, Equatable {
    /// Which API it speaks.
    public var kind: ProviderKind
    /// The base URL requests are made under (`{base}/chat/completions`, `{base}/v1/messages`).
    public var baseURL: URL
    /// The key sent as `Authorization: Bearer` (OpenAI, compat) or `x-api-key` (Anthropic); never described.
    public var apiKey: String?
    /// The model used when a request names none.
    public var defaultModel: String?
    /// Anthropic's `anthropic-version` header.
    public var apiVersion: String?

    /// Creates an endpoint.
    public init(kind: ProviderKind, baseURL: URL, apiKey: String?, defaultModel: String?, apiVersion: String? = nil) {
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.defaultModel = defaultModel
        self.apiVersion = apiVersion
    }

    /// `baseURL` followed by `path`, with exactly one slash between them.
    func url(appending path: String) -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + path)!
    }

    /// The base URL without any user or password in it, for descriptions and messages.
    var publicBaseURL: String {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else { return baseURL.absoluteString }
        components.user = nil
        components.password = nil
        return components.string ?? baseURL.absoluteString
    }
}
