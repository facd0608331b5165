import AIProviders
public import Foundation
public import OutpostJSON
public import ServiceKit

/// `generate`: text from a provider (AIProviders), configured by the service's environment
/// (`OPENAI_*`, `ANTHROPIC_*`, `AI_COMPAT_*`, passed on by the AIInference container class).
/// Progress reports the text received so far against `maxTokens` (about 4 characters a token),
/// with the text itself (a job's `partialText`, and each `progress` event of its SSE stream).
public struct GenerateOperation: Sendable {
    /// The providers, or why their variables were refused (every `generate` then fails with it).
    let configuration: Result<ProviderConfiguration, ProviderError>

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        do {
            configuration = .success(try ProviderConfiguration.fromEnvironment(environment))
        } catch let error as ProviderError {
            configuration = .failure(error)
        } catch {
            configuration = .failure(ProviderError(statusCode: 400, code: "provider_not_configured", message: "\(error)"))
        }
    }

    func run(_ job: Job, context: JobContext) async throws -> GenerateResult {
        do {
            let request = try GenerationRequest(parameters: .object(job.parameters.values))
            let generator = TextGenerator(configuration: try configuration.get())
            let expected = Double(max(1, (request.maxTokens ?? 1024) * 4))
            var soFar = ""
            let result = try await generator.generate(request) { delta in
                if context.isCancelled { throw CancellationError() }
                soFar += delta
                context.progress(min(0.99, Double(soFar.count) / expected), stage: "generating", text: soFar)
            }
            return GenerateResult(text: result.text, provider: result.provider.rawValue, model: result.model,
                                  usage: .init(inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens),
                                  finishReason: result.finishReason)
        } catch let error as ProviderError {
            throw ServiceError(statusCode: error.statusCode, code: error.code, message: error.message, cause: error)
        } catch is CancellationError {
            throw ServiceError(statusCode: 499, code: "cancelled", message: "The job was cancelled.")
        }
    }

    /// The providers part of `GET /models`, without keys.
    var catalogue: JSONValue {
        switch configuration {
        case .success(let providers): providers.describe()
        case .failure(let error): .object(["error": .string(error.message), "providers": .array([])])
        }
    }
}

/// `generate`'s result.
struct GenerateResult: Encodable, Sendable {
    struct Usage: Encodable, Sendable {
        var inputTokens: Int?
        var outputTokens: Int?
    }

    var text: String
    var provider: String
    var model: String
    var usage: Usage
    var finishReason: String?
}
