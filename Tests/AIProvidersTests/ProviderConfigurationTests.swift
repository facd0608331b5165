@testable import AIProviders
import Foundation
import OutpostJSON
import Testing

@Suite("Provider configuration from the environment")
struct ProviderConfigurationTests {
    static let everyVariable = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AI_COMPAT_BASE_URL", "AI_COMPAT_MODEL"]

    @Test("no provider configured: generate fails with a 400 naming exactly the variables to set, and calls nobody")
    func nothingConfigured() async throws {
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "  ", "PATH": "/usr/bin"])
        #expect(configuration.endpoints.isEmpty)
        let error = await #expect(throws: ProviderError.self) {
            try await TextGenerator(configuration: configuration).generate(GenerationRequest(prompt: "hi")) { _ in
                Issue.record("no delta may be relayed without a provider")
            }
        }
        #expect(error?.statusCode == 400)
        #expect(error?.code == "provider_not_configured")
        for variable in Self.everyVariable + ["OPENAI_BASE_URL", "OPENAI_MODEL", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL", "ANTHROPIC_VERSION", "AI_COMPAT_API_KEY"] {
            #expect(error?.message.contains(variable) == true, "the message names \(variable)")
        }
    }

    @Test("asking for a provider that is not configured is a 400 naming its variables and the ones that are")
    func requestedProviderMissing() async throws {
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "k"])
        let error = await #expect(throws: ProviderError.self) {
            try await TextGenerator(configuration: configuration).generate(GenerationRequest(prompt: "hi", provider: .anthropic)) { _ in }
        }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("ANTHROPIC_API_KEY") == true)
        #expect(error?.message.contains("Configured: openai") == true)
    }

    @Test("an OpenAI-compatible server without a model is a 400 naming AI_COMPAT_MODEL")
    func compatWithoutModel() async throws {
        let configuration = try ProviderConfiguration.fromEnvironment(["AI_COMPAT_BASE_URL": "http://127.0.0.1:11434/v1"])
        let error = await #expect(throws: ProviderError.self) {
            try await TextGenerator(configuration: configuration).generate(GenerationRequest(prompt: "hi")) { _ in }
        }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("AI_COMPAT_MODEL") == true)
    }

    @Test("defaults: OpenAI and Anthropic base URLs, models and version")
    func defaults() throws {
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "a", "ANTHROPIC_API_KEY": "b"])
        let openai = try configuration.endpoint(for: .openai)
        #expect(openai.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect(openai.url(appending: "/chat/completions").absoluteString == "https://api.openai.com/v1/chat/completions")
        #expect(openai.defaultModel == "gpt-4o-mini")
        let anthropic = try configuration.endpoint(for: .anthropic)
        #expect(anthropic.url(appending: "/v1/messages").absoluteString == "https://api.anthropic.com/v1/messages")
        #expect(anthropic.apiVersion == "2023-06-01")
        #expect(try configuration.endpoint(for: nil).kind == .openai)
    }

    @Test("AI_DEFAULT_PROVIDER picks the provider of requests that name none; a bad value is a 400")
    func defaultProvider() throws {
        let environment = ["OPENAI_API_KEY": "a", "AI_COMPAT_BASE_URL": "http://localhost:8000/v1", "AI_COMPAT_MODEL": "m"]
        let chosen = try ProviderConfiguration.fromEnvironment(environment.merging(["AI_DEFAULT_PROVIDER": "compat"]) { a, _ in a })
        #expect(try chosen.endpoint(for: nil).kind == .compat)
        #expect(try chosen.endpoint(for: .openai).kind == .openai)
        let unknown = #expect(throws: ProviderError.self) {
            try ProviderConfiguration.fromEnvironment(environment.merging(["AI_DEFAULT_PROVIDER": "gemini"]) { a, _ in a })
        }
        #expect(unknown?.statusCode == 400)
        #expect(unknown?.message.contains("openai, anthropic, compat") == true)
        let unconfigured = #expect(throws: ProviderError.self) {
            try ProviderConfiguration.fromEnvironment(environment.merging(["AI_DEFAULT_PROVIDER": "anthropic"]) { a, _ in a })
        }
        #expect(unconfigured?.message.contains("ANTHROPIC_API_KEY") == true)
    }

    @Test("a base URL that is not absolute http(s) is a 400 naming the variable")
    func badBaseURL() {
        let error = #expect(throws: ProviderError.self) {
            try ProviderConfiguration.fromEnvironment(["AI_COMPAT_BASE_URL": "localhost:11434", "AI_COMPAT_MODEL": "m"])
        }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("AI_COMPAT_BASE_URL") == true)
    }

    @Test("describe() lists the configured providers without keys or URL credentials")
    func describeWithoutKeys() throws {
        let configuration = try ProviderConfiguration.fromEnvironment([
            "OPENAI_API_KEY": "sk-secret-openai", "ANTHROPIC_API_KEY": "sk-ant-secret", "ANTHROPIC_MODEL": "claude-sonnet-4-5",
            "AI_COMPAT_BASE_URL": "http://user:pa55word@gpu-box:8000/v1", "AI_COMPAT_MODEL": "mistral-7b",
            "AI_DEFAULT_PROVIDER": "anthropic",
        ])
        let description = configuration.describe()
        let text = description.serialized()
        for secret in ["sk-secret-openai", "sk-ant-secret", "pa55word", "user:"] {
            #expect(!text.contains(secret), "describe() leaks \(secret)")
        }
        // Read back with Foundation's parser, not ours.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["default"] as? String == "anthropic")
        let providers = try #require(object["providers"] as? [[String: Any]])
        #expect(providers.map { $0["name"] as? String } == ["openai", "anthropic", "compat"])
        #expect(providers.map { $0["model"] as? String } == ["gpt-4o-mini", "claude-sonnet-4-5", "mistral-7b"])
        #expect(providers.map { $0["baseURL"] as? String } == ["https://api.openai.com/v1", "https://api.anthropic.com", "http://gpu-box:8000/v1"])
        #expect(providers.map { $0["api"] as? String } == ["openai-chat-completions", "anthropic-messages", "openai-chat-completions"])
        #expect(providers.map { $0["authenticated"] as? Bool } == [true, true, false])
        #expect(ProviderConfiguration(endpoints: []).describe() == .object(["default": .null, "providers": .array([])]))
    }
}
