@testable import AIProviders
import Foundation
import OutpostTesting
import Testing

@Suite("OpenAI Chat Completions client")
struct OpenAIClientTests {
    static let model = "gpt-4o-mini-2024-07-18"

    @Test("sends the exact request and reassembles many small deltas, split lines and split UTF-8 included")
    func exactRequestAndStream() async throws {
        let pieces = ["A", " heist", " crew", " robs", " a", " caf\u{e9}", " in", " Kyoto", " \u{1F3AC}", " —", " then", " the", " vault", " talks", "."]
        var steps: [ScriptedReply.Step] = [
            .write(Array((#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733500000,"model":"\#(Self.model)","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"# + "\n\n").utf8)),
        ]
        for (index, piece) in pieces.enumerated() {
            let event = Streams.openAIChunk(piece, model: Self.model)
            steps.append(.awaitDeltas(index))
            switch piece {
            case " robs": steps += Streams.split(event, atByte: event.utf8.count / 2)  // mid-JSON
            case " caf\u{e9}": steps += Streams.split(event, atByte: Streams.byteOffset(splitting: "\u{e9}", in: event))
            case " \u{1F3AC}": steps += Streams.split(event, atByte: Streams.byteOffset(splitting: "\u{1F3AC}", in: event) + 1)
            default: steps.append(.write(Array(event.utf8)))
            }
        }
        steps.append(.awaitDeltas(pieces.count))
        steps += Streams.openAIEnd(model: Self.model, promptTokens: 31, completionTokens: 17).map { .write(Array($0.utf8)) }
        let server = try await StandInProvider.start([ScriptedReply(status: 200, headers: ["Content-Type": "text/event-stream"], steps: steps)])
        defer { Task { await server.stop() } }

        let configuration = try ProviderConfiguration.fromEnvironment([
            "OPENAI_API_KEY": "sk-test-4242", "OPENAI_BASE_URL": server.url("/v1"), "OPENAI_MODEL": "gpt-4o-mini",
        ])
        let log = DeltaLog()
        let request = GenerationRequest(prompt: "Write a logline for a heist film.", system: "You write loglines.", maxTokens: 200, temperature: 0.3)
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), request, server: server, log: log)

        #expect(await log.deltas == pieces)
        #expect(await server.pacingHeld, "each delta is relayed before the next event is sent")
        #expect(result.text == pieces.joined())
        #expect(result.provider == .openai)
        #expect(result.model == Self.model)
        #expect(result.usage == TokenUsage(inputTokens: 31, outputTokens: 17))
        #expect(result.finishReason == "stop")

        let requests = await server.requests
        try #require(requests.count == 1)
        let sent = requests[0]
        #expect(sent.method == "POST")
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.headers["authorization"] == "Bearer sk-test-4242")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.headers["x-api-key"] == nil)
        let body = try sent.json()
        #expect(body["model"] as? String == "gpt-4o-mini")
        #expect(body["stream"] as? Bool == true)
        #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(body["max_completion_tokens"] as? Int == 200)
        #expect(body["max_tokens"] == nil)
        #expect(body["temperature"] as? Double == 0.3)
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages == [
            ["role": "system", "content": "You write loglines."],
            ["role": "user", "content": "Write a logline for a heist film."],
        ])
        #expect(Set(body.keys) == ["model", "messages", "stream", "stream_options", "max_completion_tokens", "temperature"])
    }

    @Test("an OpenAI-compatible server gets max_tokens, the conversation, and no Authorization without a key")
    func compatibleServerWithoutKey() async throws {
        let server = try await StandInProvider.start([Streams.openAI(["Sure", ", here", " it is."], model: "llama3.2:1b")])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment([
            "AI_COMPAT_BASE_URL": server.url("/ollama/v1/"), "AI_COMPAT_MODEL": "llama3.2:1b",
        ])
        let request = GenerationRequest(messages: [
            ChatMessage(role: .system, content: "Be brief."),
            ChatMessage(role: .user, content: "Pitch me a comedy."),
            ChatMessage(role: .assistant, content: "Two rival chefs share a food truck."),
            ChatMessage(role: .user, content: "Shorter."),
        ], maxTokens: 64)
        let log = DeltaLog()
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), request, server: server, log: log)
        #expect(result.text == "Sure, here it is.")
        #expect(result.provider == .compat)
        #expect(result.model == "llama3.2:1b")
        #expect(result.usage == TokenUsage(inputTokens: 5, outputTokens: 3))

        let sent = try #require(await server.requests.first)
        #expect(sent.path == "/ollama/v1/chat/completions")
        #expect(sent.headers["authorization"] == nil)
        let body = try sent.json()
        #expect(body["model"] as? String == "llama3.2:1b")
        #expect(body["max_tokens"] as? Int == 64)
        #expect(body["max_completion_tokens"] == nil)
        #expect(body["temperature"] == nil)
        #expect(body["messages"] as? [[String: String]] == [
            ["role": "system", "content": "Be brief."],
            ["role": "user", "content": "Pitch me a comedy."],
            ["role": "assistant", "content": "Two rival chefs share a food truck."],
            ["role": "user", "content": "Shorter."],
        ])
    }

    @Test("an OpenAI-compatible server with AI_COMPAT_API_KEY gets it as a bearer token; a request's model wins")
    func compatibleServerWithKey() async throws {
        let server = try await StandInProvider.start([Streams.openAI(["ok"], model: "qwen2.5-7b")])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment([
            "AI_COMPAT_BASE_URL": server.url("/v1"), "AI_COMPAT_MODEL": "llama3", "AI_COMPAT_API_KEY": "vllm-secret",
        ])
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient),
                                        GenerationRequest(prompt: "hi", model: "qwen2.5-7b"), server: server, log: DeltaLog())
        #expect(result.text == "ok")
        let sent = try #require(await server.requests.first)
        #expect(sent.headers["authorization"] == "Bearer vllm-secret")
        #expect(try sent.json()["model"] as? String == "qwen2.5-7b")
    }
}

extension OpenAIClientTests {
    @Test("a compatible server that ignores stream: true and answers one JSON body still gives the reply, as one delta")
    func unstreamedReply() async throws {
        let body = #"{"id":"cmpl-1","object":"chat.completion","created":1733500000,"model":"llama3.2:1b","choices":[{"index":0,"message":{"role":"assistant","content":"Une com\u00e9die \ud83c\udfac en deux actes."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}"#
        let server = try await StandInProvider.start([ScriptedReply(status: 200, headers: ["Content-Type": "application/json"],
                                                                    steps: Streams.split(body, atByte: body.utf8.count / 2))])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment(["AI_COMPAT_BASE_URL": server.url("/v1"), "AI_COMPAT_MODEL": "llama3.2:1b"])
        let log = DeltaLog()
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                                        server: server, log: log)
        #expect(result.text == "Une com\u{e9}die \u{1F3AC} en deux actes.")
        #expect(await log.deltas == [result.text])
        #expect(result.usage == TokenUsage(inputTokens: 12, outputTokens: 9))
        #expect(result.finishReason == "stop")
    }
}
