import Foundation
import OutpostTesting
import Testing

/// `generate` through the real service process: a stand-in OpenAI-compatible provider (Python,
/// in the test: a boundary we do not own) streams the reply; with no provider configured the job
/// is a 400 naming the variables to set; `GET /models` shows the provider without its key.
@Suite("AI inference: generate through a provider", .serialized)
struct GenerateTests {
    @Test func aCompatibleProviderStreamsTheTextAndNoProviderIsA400NamingTheVariables() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let port = try FreePort.pick()
        let requests = temp.file("requests.ndjson")
        let provider = ChildProcess()
        provider.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        provider.arguments = [ModelFixtures.directory + "/compat_provider.py", String(port), requests]
        try provider.run()
        defer { provider.signal(SIGKILL) }
        try await ServiceHTTP.waitUntilAvailable("http://127.0.0.1:\(port)/", timeout: .seconds(60)) { provider.isRunning }

        let service = try ServiceProcess.aiInference(sandboxed: false, environment: [
            "AI_COMPAT_BASE_URL": "http://127.0.0.1:\(port)/v1", "AI_COMPAT_MODEL": "llama-test", "AI_COMPAT_API_KEY": "secret-key",
        ])
        try await service.waitUntilReady(timeout: .seconds(120))
        let result = try await service.result("generate", ["prompt": "Write a logline.", "maxTokens": 64])
        #expect(result["text"] as? String == "Une histoire d’été")
        #expect(result["provider"] as? String == "compat" && result["model"] as? String == "llama-test")
        let usage = try #require(result["usage"] as? [String: Any])
        #expect(usage["inputTokens"] as? Int == 12 && usage["outputTokens"] as? Int == 5)
        // What the provider received.
        let received = try #require(try String(contentsOfFile: requests, encoding: .utf8).split(separator: "\n").first)
        let request = try #require(try JSONSerialization.jsonObject(with: Data(received.utf8)) as? [String: Any])
        #expect(request["path"] as? String == "/v1/chat/completions")
        #expect(request["authorization"] as? String == "Bearer secret-key")
        let body = try #require(request["body"] as? [String: Any])
        #expect(body["model"] as? String == "llama-test" && body["stream"] as? Bool == true && body["max_tokens"] as? Int == 64)
        #expect((body["messages"] as? [[String: Any]])?.last?["content"] as? String == "Write a logline.")
        // As NDJSON, progress lines carry the text so far: each a prefix of the next, and of the result.
        let ndjsonRequest = try JSONSerialization.data(withJSONObject: ["params": ["prompt": "Write a logline.", "maxTokens": 4]])
        let streamed = try await ServiceHTTP.send("POST", service.baseURL + "/jobs/generate", body: ndjsonRequest,
                                                  headers: ["Content-Type": "application/json", "Accept": "application/x-ndjson"])
        var lines: [[String: Any]] = []
        for line in streamed.text.split(separator: "\n") {
            lines.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
        }
        var partial: [String] = []
        for line in lines where line["type"] as? String == "progress" {
            if let text = line["text"] as? String { partial.append(text) }
        }
        let job = try #require(lines.last?["job"] as? [String: Any])
        let finalText = try #require((job["result"] as? [String: Any])?["text"] as? String)
        #expect(partial.count >= 2, "\(streamed.text)")
        for (earlier, later) in zip(partial, partial.dropFirst()) {
            #expect(later.hasPrefix(earlier) && later != earlier, "\(partial)")
        }
        for text in partial { #expect(finalText.hasPrefix(text), "\(partial) against \(finalText)") }
        // The catalogue names the provider, never its key.
        let models = try await ServiceHTTP.send("GET", service.baseURL + "/models")
        #expect(models.text.contains("llama-test") && !models.text.contains("secret-key"), "\(models.text)")
        try await service.stop()

        let unconfigured = try ServiceProcess.aiInference(sandboxed: false, environment: ["OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "AI_COMPAT_BASE_URL": ""])
        try await unconfigured.waitUntilReady(timeout: .seconds(120))
        let refused = try await unconfigured.job("generate", ["prompt": "Hello"])
        #expect(refused.status == 400 && refused.errorCode == "provider_not_configured", "\(refused.text)")
        #expect(refused.text.contains("OPENAI_API_KEY") && refused.text.contains("ANTHROPIC_API_KEY") && refused.text.contains("AI_COMPAT_BASE_URL"))
        try await unconfigured.stop()
    }
}
