public import Hummingbird
public import ServiceKit
import AIInferenceDescriptor
import Foundation

/// The ai-inference operations for ``ContainerService`` (parameters in the descriptor), plus
/// `GET /models`. Holds the models, loaded once per process.
public struct AIJobHandler: JobHandler {
    /// The loaded models.
    public let models: LoadedModels
    /// `generate`, through the providers the environment configures.
    public let generation: GenerateOperation

    public init(models: LoadedModels, generation: GenerateOperation = GenerateOperation()) {
        self.models = models
        self.generation = generation
    }

    /// Loads the models from their directories (see ``LoadedModels/load(environment:)``), or logs
    /// a line naming the missing or corrupt path and exits 1: a service without its model does not start.
    public static func loadingModelsOrExit() -> AIJobHandler {
        do throws(ModelError) {
            return AIJobHandler(models: try LoadedModels.load())
        } catch {
            let line: [String: String] = ["time": ISO8601DateFormatter().string(from: Date()), "level": "critical", "service": "ai-inference",
                                          "message": "model unavailable: \(error.description)", "path": error.path]
            if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
                FileHandle.standardError.write(Data("ai-inference: model unavailable: \(error.description)\n".utf8))
            }
            exit(1)
        }
    }

    public var descriptor: ServiceDescriptor? { AIInferenceDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        switch operation {
        case "embed": _ = try TextInput.texts(parameters)
        case "classify":
            _ = try TextInput.text(parameters)
            _ = try ClassifyRequest(parameters: parameters)
        case "generate": break  // checked by GenerationRequest when it runs, against the provider chosen
        case "analyze", "analyze-pitch":
            // Exactly one of text and key (the descriptor's rule); an object is read when the job runs.
            if try parameters.string(AIInferenceDescriptor.keyParameter) == nil { _ = try TextInput.text(parameters) }
        default: _ = try TextInput.text(parameters)
        }
    }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        let models = models
        switch job.operation {
        case "embed":
            let texts = try TextInput.texts(job.parameters)
            let result = try await context.runBlocking { () -> EmbedResult in
                let embedded = models.embedder.embed(texts, batchSize: 64)
                return EmbedResult(model: models.embedder.name, dimensions: models.embedder.dimensions,
                                   embeddings: embedded.vectors, truncated: embedded.truncated)
            }
            return .json(result)
        case "classify":
            let text = try TextInput.text(job.parameters)
            let request = try ClassifyRequest(parameters: job.parameters)
            return .json(try await context.runBlocking { models.classify(text, request) })
        case "moderate":
            let text = try TextInput.text(job.parameters)
            return .json(try await context.runBlocking { models.moderator.moderate(text) })
        case "analyze", "analyze-pitch":
            let text = try AnalyzedText.read(job)
            return .json(try await context.runBlocking { models.analyzer.analyze(text) })
        case "generate":
            return .json(try await generation.run(job, context: context))
        default:
            throw ServiceError.badRequest("Unknown operation \"\(job.operation)\".", code: "unknown_operation")
        }
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        let models = models
        let generation = generation
        router.get("/models") { _, _ in
            var catalogue = models.catalogue
            catalogue.generation = generation.catalogue
            return try ServiceJSON.response(catalogue)
        }
    }
}

/// `embed`'s result.
struct EmbedResult: Encodable, Sendable {
    var model: String
    var dimensions: Int
    var embeddings: [[Float]]
    var truncated: [Bool]
}
