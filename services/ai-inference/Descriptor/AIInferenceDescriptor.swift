public import ServiceDescriptors

/// The `ai-inference` service, as the platform and the service both know it: a local sentence
/// embedding model (all-MiniLM-L6-v2, run in Swift) and what is built on it — classification,
/// moderation and pitch analysis.
public enum AIInferenceDescriptor {
    /// The largest `text` accepted, in bytes of UTF-8; beyond it a 413.
    public static let maxTextBytes = 100_000
    /// The largest PDF `analyze` reads by key, in bytes (its extracted text is held to ``maxTextBytes``).
    public static let maxPDFBytes = 20_000_000
    /// Most pages of a PDF `analyze` reads by key.
    public static let maxPDFPages = 500
    /// The largest `texts` array, serialized, in bytes; beyond it a 413.
    public static let maxTextsBytes = 400_000
    /// Most texts one `embed` call takes.
    public static let maxTexts = 256
    /// Tokens per text the encoder sees, [CLS] and [SEP] included; longer texts are truncated.
    public static let maxTokens = 256
    /// The largest `prompt` or `messages`, in bytes; beyond it a 413.
    public static let maxPromptBytes = 200_000
    /// Custom labels: at least 2, at most 50.
    public static let labelCount: ClosedRange<Int> = 2...50
    /// The genres `classify` with `task: genre` chooses from.
    public static let genres = ["drama", "comedy", "thriller", "horror", "sci-fi", "documentary", "romance", "action", "animation", "family"]
    /// The moderation categories.
    public static let moderationCategories = ["harassment", "hate", "sexual", "violence", "self-harm", "spam"]

    static let text = ParameterSpec("text", .text(maxBytes: maxTextBytes), summary: "The text (UTF-8, at most \(maxTextBytes) bytes; not empty).",
                                    oversizeStatus: 413).requiringText()

    /// The name of `analyze`'s object-key parameter: an uploaded text analyzed instead of `text`.
    public static let keyParameter = "key"

    /// The uploads `analyze` reads by key, by stored content type, with the largest of each
    /// (checked by the platform at submit: 415 for another type, 413 over the size).
    public static let acceptedUploads = AcceptedObjects([
        .init("text/plain", maxBytes: maxTextBytes),
        .init("text/markdown", maxBytes: maxTextBytes),
        .init("application/pdf", maxBytes: maxPDFBytes),
    ])

    /// What `analyze` and `analyze-pitch` read: the text inline, or the key of an uploaded text.
    static let analyzedText = [
        ParameterSpec("text", .text(maxBytes: maxTextBytes), summary: "The pitch or text to analyze (not empty; or give `key`).", oversizeStatus: 413).requiringText(),
        ParameterSpec(keyParameter, .objectKey, summary: "The R2 key of an uploaded text to analyze instead of `text`: UTF-8 plain text or Markdown (text/plain, text/markdown) of at most \(maxTextBytes) bytes, or a PDF (application/pdf, at most \(maxPDFBytes) bytes and \(maxPDFPages) pages) whose text layer is at most \(maxTextBytes) bytes (a 415 for another type and a 413 over the size at submit; a 413 for a longer text layer and a 422 for anything unreadable when the job runs).").accepting(acceptedUploads),
    ]

    /// `analyze` reads exactly one of `text` and `key`.
    static let textOrKey = ParameterRule(summary: "Exactly one of \"text\" and \"\(keyParameter)\".") { params throws(ParameterError) in
        let given = ["text", keyParameter].filter { params[$0] != nil && params[$0] != .null }
        guard given.count == 1 else {
            throw ParameterError(name: "text", message: given.isEmpty
                ? "or \"\(keyParameter)\" is required: give the text inline as \"text\", or the key of an uploaded text as \"\(keyParameter)\""
                : "and \"\(keyParameter)\" cannot both be given: send the text inline as \"text\" or the key of an uploaded text as \"\(keyParameter)\", not both")
        }
    }

    public static let service = ServiceDescriptor(
        image: "ai-inference",
        containerClass: "AIInference",
        binding: "AI_INFERENCE",
        apiName: "ai",
        containerPath: "ai-analysis",
        instanceType: "standard-4",
        jobsPerInstance: 2,
        operations: [
            OperationDescriptor(
                name: "embed",
                summary: "Sentence embeddings from all-MiniLM-L6-v2 (384 dimensions, mean-pooled, L2-normalized), computed in Swift; texts over \(maxTokens) tokens are truncated and reported in `truncated`.",
                input: .none,
                parameters: [
                    text,
                    ParameterSpec("texts", .json(maxBytes: maxTextsBytes), summary: "Several texts, embedded in one batch: an array of 1 to \(maxTexts) strings (an empty string embeds [CLS][SEP]).",
                                  oversizeStatus: 413).holding(1...maxTexts),
                ],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "classify",
                summary: "Sentiment (VADER lexicon and rules), genre (zero-shot over " + genres.joined(separator: ", ") + ") or custom labels (zero-shot by similarity to each label's description).",
                input: .none,
                parameters: [
                    ParameterSpec("text", .text(maxBytes: maxTextBytes), required: true, summary: "The text to classify (not empty).", oversizeStatus: 413).requiringText(),
                    ParameterSpec("task", .choice(["sentiment", "genre", "labels"]), default: .string("sentiment"), summary: "What to classify."),
                    ParameterSpec("labels", .json(maxBytes: 32_768), summary: "task labels: \(labelCount.lowerBound) to \(labelCount.upperBound) labels, each a name or {\"name\",\"description\"}.").holding(labelCount),
                ],
                timeoutSeconds: 60,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "moderate",
                summary: "Scores " + moderationCategories.joined(separator: ", ") + " (lexicon plus embedding prototypes), flags each over its threshold, and an overall `flagged`.",
                input: .none,
                parameters: [ParameterSpec("text", .text(maxBytes: maxTextBytes), required: true, summary: "The text to moderate (not empty).", oversizeStatus: 413).requiringText()],
                timeoutSeconds: 60,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "analyze",
                summary: "A deterministic report on a text: language, sentiment and tone, top-3 genres, key phrases, readability, extractive summary, logline, counts and a pitch score with its evidence.",
                input: .none,
                parameters: analyzedText,
                rules: [textOrKey],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "analyze-pitch",
                summary: "The `analyze` report, for a pitch.",
                input: .none,
                parameters: analyzedText,
                rules: [textOrKey],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "generate",
                summary: "Text from a provider: OpenAI's Chat Completions, Anthropic's Messages, or an OpenAI-compatible server (Ollama, llama.cpp, vLLM), configured by the OPENAI_*, ANTHROPIC_* and AI_COMPAT_* variables. Streamed; with no provider configured, a 400 naming the variables to set.",
                input: .none,
                parameters: [
                    ParameterSpec("prompt", .text(maxBytes: maxPromptBytes), summary: "The prompt (or give `messages`).", oversizeStatus: 413),
                    ParameterSpec("messages", .json(maxBytes: maxPromptBytes), summary: "The conversation: [{\"role\": \"system\"|\"user\"|\"assistant\", \"content\"}] (or give `prompt`).", oversizeStatus: 413),
                    ParameterSpec("system", .text(maxBytes: 32_768), summary: "A system prompt."),
                    ParameterSpec("provider", .choice(["openai", "anthropic", "compat"]), summary: "Which configured provider; default AI_DEFAULT_PROVIDER, else the first configured."),
                    ParameterSpec("model", .text(maxBytes: 256), summary: "The provider's model; default its *_MODEL variable."),
                    ParameterSpec("maxTokens", .integer(1...32_768), summary: "Most tokens to generate."),
                    ParameterSpec("temperature", .number(0...2), summary: "Sampling temperature (Anthropic takes 0 to 1)."),
                ],
                timeoutSeconds: 600,
                outputs: [.json]
            ),
        ],
        catalogues: [
            Catalogue(name: "models", summary: "The local models: name, dimensions, maximum tokens and the directory they were loaded from."),
        ]
    )
}
