/// The environment variables (container secrets and vars) that configure one provider, and the
/// defaults used when the optional ones are unset.
struct ProviderVariables: Sendable {
    var kind: ProviderKind
    /// The variable whose presence turns the provider on.
    var required: String
    var apiKey: String
    var baseURL: String
    var model: String
    var version: String?
    var defaultBaseURL: String?
    var defaultModel: String?
    var defaultVersion: String?

    static let openai = ProviderVariables(
        kind: .openai, required: "OPENAI_API_KEY", apiKey: "OPENAI_API_KEY", baseURL: "OPENAI_BASE_URL", model: "OPENAI_MODEL",
        defaultBaseURL: "https://api.openai.com/v1", defaultModel: "gpt-4o-mini")
    static let anthropic = ProviderVariables(
        kind: .anthropic, required: "ANTHROPIC_API_KEY", apiKey: "ANTHROPIC_API_KEY", baseURL: "ANTHROPIC_BASE_URL",
        model: "ANTHROPIC_MODEL", version: "ANTHROPIC_VERSION",
        defaultBaseURL: "https://api.anthropic.com", defaultModel: "claude-3-5-haiku-latest", defaultVersion: "2023-06-01")
    static let compat = ProviderVariables(
        kind: .compat, required: "AI_COMPAT_BASE_URL", apiKey: "AI_COMPAT_API_KEY", baseURL: "AI_COMPAT_BASE_URL", model: "AI_COMPAT_MODEL")

    /// Every provider, in the order the default provider is chosen.
    static let all: [ProviderVariables] = [.openai, .anthropic, .compat]

    static func of(_ kind: ProviderKind) -> ProviderVariables {
        all.first { $0.kind == kind }!
    }

    /// The variable choosing the provider when a request names none.
    static let defaultProvider = "AI_DEFAULT_PROVIDER"

    /// What to set to turn this provider on, e.g. "ANTHROPIC_API_KEY (optionally ANTHROPIC_BASE_URL, …)".
    var hint: String {
        switch kind {
        case .compat:
            "\(required) and \(model) (optionally \(apiKey)) for an OpenAI-compatible server such as Ollama, llama.cpp or vLLM"
        default:
            "\(required) (optionally \(([baseURL, model] + (version.map { [$0] } ?? [])).joined(separator: ", "))) for \(kind.displayName)"
        }
    }
}
