/// The text-generation APIs this library speaks.
public enum ProviderKind: String, Sendable, CaseIterable, Codable {
    /// OpenAI's Chat Completions API.
    case openai
    /// Anthropic's Messages API.
    case anthropic
    /// Any server speaking OpenAI's Chat Completions API at another base URL (Ollama, llama.cpp
    /// server, vLLM).
    case compat

    /// The name used in messages.
    public var displayName: String {
        switch self {
        case .openai: "OpenAI"
        case .anthropic: "Anthropic"
        case .compat: "The OpenAI-compatible provider"
        }
    }

    /// Reads a `provider` value; `openai-compatible` is accepted for `compat`.
    public init?(name: String) {
        switch name.lowercased() {
        case "openai": self = .openai
        case "anthropic": self = .anthropic
        case "compat", "openai-compatible": self = .compat
        default: return nil
        }
    }

    /// The values `init(name:)` accepts, for error messages.
    static let acceptedNames = "openai, anthropic, compat"
}
