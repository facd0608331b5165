/// Tokens a provider counted for one generation; nil where it did not report them.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// The outcome of a generation: the whole text, who made it, and what it cost.
public struct GenerationResult: Sendable, Equatable, Codable {
    /// Every delta, in order.
    public var text: String
    /// The provider that answered.
    public var provider: ProviderKind
    /// The model the provider reported (or, if it did not, the one asked for).
    public var model: String
    public var usage: TokenUsage
    /// Why the provider stopped (`stop`, `length`, `end_turn`, `max_tokens`…), if it said.
    public var finishReason: String?

    public init(text: String, provider: ProviderKind, model: String, usage: TokenUsage, finishReason: String? = nil) {
        self.text = text
        self.provider = provider
        self.model = model
        self.usage = usage
        self.finishReason = finishReason
    }
}
