@testable import AIProviders
import Foundation
import OutpostTesting
import Testing

@Suite("Anthropic Messages client")
struct AnthropicClientTests {
    @Test("sends the exact request (x-api-key, anthropic-version, max_tokens, top-level system) and reassembles the event stream")
    func exactRequestAndStream() async throws {
        let pieces = ["In", " a", " drowned", " Lisbon,", " a", " diver", " finds", " her", " own", " name", " on", " a", " wreck", " \u{2014} \u{1F30A}", "."]
        var steps: [ScriptedReply.Step] = Streams.anthropicStart(model: "claude-3-5-haiku-20241022", inputTokens: 42).map { .write(Array($0.utf8)) }
        for (index, piece) in pieces.enumerated() {
            let event = Streams.anthropicDelta(piece)
            steps.append(.awaitDeltas(index))
            switch piece {
            case " drowned": steps += Streams.split(event, atByte: 8)  // inside "event: content_block_delta"
            case " diver": steps += Streams.split(event, atByte: event.utf8.count - 3)  // just before the blank line
            case " \u{2014} \u{1F30A}":
                steps += Streams.split(event, atByte: Streams.byteOffset(splitting: "\u{1F30A}", in: event) + 2)
            default: steps.append(.write(Array(event.utf8)))
            }
        }
        steps.append(.awaitDeltas(pieces.count))
        steps += Streams.anthropicEnd(outputTokens: 19).map { .write(Array($0.utf8)) }
        let server = try await StandInProvider.start([ScriptedReply(status: 200, headers: ["Content-Type": "text/event-stream"], steps: steps)])
        defer { Task { await server.stop() } }

        let configuration = try ProviderConfiguration.fromEnvironment([
            "ANTHROPIC_API_KEY": "sk-ant-test-1", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString,
        ])
        let request = GenerationRequest(messages: [
            ChatMessage(role: .system, content: "Answer in one sentence."),
            ChatMessage(role: .user, content: "Logline for a sea drama?"),
        ], system: "You are a script editor.")
        let log = DeltaLog()
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), request, server: server, log: log)

        #expect(await log.deltas == pieces)
        #expect(await server.pacingHeld, "each delta is relayed before the next event is sent")
        #expect(result.text == pieces.joined())
        #expect(result.provider == .anthropic)
        #expect(result.model == "claude-3-5-haiku-20241022")
        #expect(result.usage == TokenUsage(inputTokens: 42, outputTokens: 19))
        #expect(result.finishReason == "end_turn")

        let requests = await server.requests
        try #require(requests.count == 1)
        let sent = requests[0]
        #expect(sent.method == "POST")
        #expect(sent.path == "/v1/messages")
        #expect(sent.headers["x-api-key"] == "sk-ant-test-1")
        #expect(sent.headers["anthropic-version"] == "2023-06-01")
        #expect(sent.headers["content-type"] == "application/json")
        #expect(sent.headers["authorization"] == nil)
        let body = try sent.json()
        #expect(body["model"] as? String == "claude-3-5-haiku-latest")
        #expect(body["max_tokens"] as? Int == GenerationRequest.defaultMaxTokens)
        #expect(body["stream"] as? Bool == true)
        #expect(body["system"] as? String == "You are a script editor.\n\nAnswer in one sentence.")
        #expect(body["messages"] as? [[String: String]] == [["role": "user", "content": "Logline for a sea drama?"]])
        #expect(Set(body.keys) == ["model", "max_tokens", "stream", "system", "messages"])
    }

    @Test("ANTHROPIC_VERSION, ANTHROPIC_MODEL, maxTokens and temperature reach the request")
    func configuredVersionAndModel() async throws {
        let server = try await StandInProvider.start([Streams.anthropic(["Fine."])])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment([
            "ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString,
            "ANTHROPIC_VERSION": "2024-01-01", "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        ])
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient),
                                        GenerationRequest(prompt: "hi", maxTokens: 50, temperature: 0.7), server: server, log: DeltaLog())
        #expect(result.text == "Fine.")
        let sent = try #require(await server.requests.first)
        #expect(sent.headers["anthropic-version"] == "2024-01-01")
        let body = try sent.json()
        #expect(body["model"] as? String == "claude-sonnet-4-5")
        #expect(body["max_tokens"] as? Int == 50)
        #expect(body["temperature"] as? Double == 0.7)
        #expect(body["system"] == nil)
    }

    @Test("an error event after text fails with Anthropic's status and message, without a retry")
    func errorEventMidStream() async throws {
        let events = Streams.anthropicStart(model: "claude-3-5-haiku-20241022", inputTokens: 3) + [
            Streams.anthropicDelta("Once"),
            "event: error\n" + #"data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"# + "\n\n",
        ]
        let server = try await StandInProvider.start([.events(events)])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString])
        let log = DeltaLog()
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"), server: server, log: log)
        }
        #expect(error?.statusCode == 529)
        #expect(error?.providerStatus == 529)
        #expect(error?.message.contains("Overloaded") == true)
        #expect(await log.deltas == ["Once"])
        #expect(await server.requests.count == 1)
    }
}

extension AnthropicClientTests {
    @Test("an unstreamed Messages reply (a proxy that buffers) is read from its content blocks")
    func unstreamedReply() async throws {
        let body = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"A lighthouse keeper "},{"type":"text","text":"finds a door."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":7}}"#
        let server = try await StandInProvider.start([ScriptedReply(status: 200, headers: ["Content-Type": "application/json"], steps: [.write(Array(body.utf8))])])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString])
        let result = try await generate(TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                                        server: server, log: DeltaLog())
        #expect(result.text == "A lighthouse keeper finds a door.")
        #expect(result.model == "claude-3-5-haiku-20241022")
        #expect(result.usage == TokenUsage(inputTokens: 8, outputTokens: 7))
        #expect(result.finishReason == "end_turn")
    }
}
