public import OutpostJSON

/// What to generate: a prompt or a conversation, and optionally which provider, model, length
/// and temperature.
///
/// Built from a job's parameters with ``init(parameters:)``, which checks everything a user can
/// get wrong and says what to change.
public struct GenerationRequest: Sendable, Equatable {
    /// The conversation; a prompt is one user message.
    public var messages: [ChatMessage]
    /// Instructions for the model, sent as the provider expects (a system message, or Anthropic's `system`).
    public var system: String?
    /// The provider to use; nil means the configured default.
    public var provider: ProviderKind?
    /// The model to use; nil means the provider's configured model.
    public var model: String?
    /// The most tokens to generate; nil means the provider's default (``defaultMaxTokens`` for Anthropic, which requires one).
    public var maxTokens: Int?
    /// Sampling temperature, 0–2 (0–1 for Anthropic).
    public var temperature: Double?

    /// Accepted `maxTokens`.
    public static let maxTokensRange = 1...32_768
    /// Accepted `temperature` (Anthropic accepts up to 1).
    public static let temperatureRange = 0.0...2.0
    /// `max_tokens` sent to Anthropic when a request sets none (the API requires it).
    public static let defaultMaxTokens = 1024
    /// The most characters of prompt, messages and system together; more is a 413.
    public static let maxInputCharacters = 200_000
    /// The most messages in a conversation.
    public static let maxMessages = 500

    /// Creates a request for a conversation.
    public init(messages: [ChatMessage], system: String? = nil, provider: ProviderKind? = nil, model: String? = nil,
                maxTokens: Int? = nil, temperature: Double? = nil) {
        self.messages = messages
        self.system = system
        self.provider = provider
        self.model = model
        self.maxTokens = maxTokens
        self.temperature = temperature
    }

    /// Creates a request for a single prompt.
    public init(prompt: String, system: String? = nil, provider: ProviderKind? = nil, model: String? = nil,
                maxTokens: Int? = nil, temperature: Double? = nil) {
        self.init(messages: [ChatMessage(role: .user, content: prompt)], system: system, provider: provider, model: model,
                  maxTokens: maxTokens, temperature: temperature)
    }

    /// Reads a `generate` job's parameters: `prompt` or `messages` (`[{role, content}]`), and
    /// optional `system`, `provider`, `model`, `maxTokens`, `temperature`; then ``validate()``s.
    /// - Throws: ``ProviderError`` 400 naming the parameter and what it accepts; 413 for input over the limit.
    public init(parameters: JSONValue) throws {
        guard let fields = parameters.objectValue else { throw ProviderError.invalidParameter("body", "must be a JSON object.") }
        func optionalString(_ name: String) throws -> String? {
            guard let value = fields[name], value != .null else { return nil }
            guard let text = value.stringValue else { throw ProviderError.invalidParameter(name, "must be a string.") }
            return text
        }
        let prompt = try optionalString("prompt")
        var messages: [ChatMessage] = []
        if let value = fields["messages"], value != .null {
            guard prompt == nil else {
                throw ProviderError.invalidParameter("messages", "give either prompt or messages, not both.")
            }
            guard let items = value.arrayValue else {
                throw ProviderError.invalidParameter("messages", "must be an array of {\"role\", \"content\"} objects.")
            }
            for (index, item) in items.enumerated() {
                let name = "messages[\(index)]"
                guard let roleName = item["role"]?.stringValue, let role = ChatMessage.Role(rawValue: roleName) else {
                    throw ProviderError.invalidParameter("\(name).role", "must be one of system, user, assistant.")
                }
                guard let content = item["content"]?.stringValue else {
                    throw ProviderError.invalidParameter("\(name).content", "must be a string.")
                }
                messages.append(ChatMessage(role: role, content: content))
            }
        } else if let prompt {
            messages = [ChatMessage(role: .user, content: prompt)]
        } else {
            throw ProviderError.invalidParameter("prompt", "give a prompt (a string) or messages ([{\"role\", \"content\"}]).")
        }
        var provider: ProviderKind?
        if let name = try optionalString("provider") {
            guard let kind = ProviderKind(name: name) else {
                throw ProviderError.invalidParameter("provider", "must be one of \(ProviderKind.acceptedNames), got \"\(name)\".")
            }
            provider = kind
        }
        var maxTokens: Int?
        if let value = fields["maxTokens"], value != .null {
            guard let number = value.intValue else { throw ProviderError.invalidParameter("maxTokens", "must be an integer.") }
            maxTokens = number
        }
        var temperature: Double?
        if let value = fields["temperature"], value != .null {
            guard let number = value.doubleValue else { throw ProviderError.invalidParameter("temperature", "must be a number.") }
            temperature = number
        }
        self.init(messages: messages, system: try optionalString("system"), provider: provider, model: try optionalString("model"),
                  maxTokens: maxTokens, temperature: temperature)
        try validate()
    }

    /// Checks the request against the limits.
    /// - Throws: ``ProviderError`` 400 naming what is wrong, or 413 when the input is over ``maxInputCharacters``.
    public func validate() throws {
        guard !messages.isEmpty else { throw ProviderError.invalidParameter("messages", "must hold at least one message.") }
        guard messages.count <= Self.maxMessages else {
            throw ProviderError.invalidParameter("messages", "at most \(Self.maxMessages) messages, got \(messages.count).")
        }
        guard messages.contains(where: { $0.role != .system }) else {
            throw ProviderError.invalidParameter("messages", "need at least one user or assistant message besides system ones.")
        }
        for (index, message) in messages.enumerated()
        where message.content.allSatisfy(\.isWhitespace) {
            throw ProviderError.invalidParameter(messages.count == 1 ? "prompt" : "messages[\(index)].content", "must not be empty.")
        }
        let characters = messages.reduce(system?.count ?? 0) { $0 + $1.content.count }
        guard characters <= Self.maxInputCharacters else {
            throw ProviderError(statusCode: 413, code: "input_too_large",
                                message: "The prompt, messages and system together hold \(characters) characters; the limit is \(Self.maxInputCharacters).")
        }
        if let model, model.allSatisfy(\.isWhitespace) {
            throw ProviderError.invalidParameter("model", "must not be empty; leave it out to use the provider's configured model.")
        }
        if let maxTokens, !Self.maxTokensRange.contains(maxTokens) {
            throw ProviderError.invalidParameter(
                "maxTokens", "must be between \(Self.maxTokensRange.lowerBound) and \(Self.maxTokensRange.upperBound), got \(maxTokens).")
        }
        if let temperature {
            let range = provider == .anthropic ? 0.0...1.0 : Self.temperatureRange
            guard range.contains(temperature) else {
                throw ProviderError.invalidParameter(
                    "temperature", "must be between \(range.lowerBound) and \(range.upperBound)\(provider == .anthropic ? " for Anthropic" : ""), got \(temperature).")
            }
        }
    }

    /// The system text: ``system`` followed by any system messages, for APIs that take it apart.
    var combinedSystem: String? {
        let parts = ([system] + messages.filter { $0.role == .system }.map(\.content)).compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }
}
