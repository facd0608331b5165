@testable import AIProviders
import Foundation
import OutpostTesting
import Testing

/// The vendors' own Python SDKs (PyPI `openai`, `anthropic`) against the same stand-in: they must
/// read its streams to the same text, usage and model as AIProviders, and send requests of the
/// same shape. This checks the stand-in speaks the real APIs, with tools we did not write.
@Suite("Cross-check with the official OpenAI and Anthropic SDKs")
struct OfficialSDKCrossCheckTests {
    static let pieces = ["Two", " rival", " chefs", " share", " one", " food", " truck", " in", " M\u{fc}nchen", " \u{2014}", " and", " \u{1F35C}", "!"]

    /// Each event written as two halves, cut at its middle byte (inside lines, JSON and characters).
    static func halved(_ events: [String]) -> ScriptedReply {
        let steps: [ScriptedReply.Step] = events.flatMap { event -> [ScriptedReply.Step] in
            let bytes = Array(event.utf8)
            return [.write(Array(bytes[..<(bytes.count / 2)])), .write(Array(bytes[(bytes.count / 2)...]))]
        }
        return ScriptedReply(status: 200, headers: ["Content-Type": "text/event-stream"], steps: steps)
    }

    static func sdk(_ script: String, base: String) async throws -> [String: Any] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.lowercased().hasSuffix("_proxy") }
        environment["BASE"] = base
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script], environment: environment)
        guard run.status == 0 else {
            throw TestFailure("the SDK script failed (\(run.status)); install with `make py-deps`: \(String(decoding: run.stderr, as: UTF8.self).suffix(1500))")
        }
        guard let object = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any] else {
            throw TestFailure("the SDK script printed no JSON object: \(String(decoding: run.stdout, as: UTF8.self))")
        }
        return object
    }

    @Test("openai-python reads the stand-in's Chat Completions stream as AIProviders does, and sends the same request shape")
    func openAI() async throws {
        let model = "gpt-4o-mini-2024-07-18"
        let events = Self.pieces.map { Streams.openAIChunk($0, model: model) } + Streams.openAIEnd(model: model, promptTokens: 21, completionTokens: 13)
        let server = try await StandInProvider.start([Self.halved(events)])
        defer { Task { await server.stop() } }
        let reference = try await Self.sdk("""
            import json, os, openai
            client = openai.OpenAI(api_key="sk-cross", base_url=os.environ["BASE"], max_retries=0)
            stream = client.chat.completions.create(
                model="gpt-4o-mini", stream=True, stream_options={"include_usage": True},
                messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Pitch a comedy."}],
                max_completion_tokens=120, temperature=0.2)
            text, usage, model = "", None, None
            for chunk in stream:
                model = chunk.model
                if chunk.usage:
                    usage = [chunk.usage.prompt_tokens, chunk.usage.completion_tokens]
                if chunk.choices and chunk.choices[0].delta.content:
                    text += chunk.choices[0].delta.content
            print(json.dumps({"text": text, "usage": usage, "model": model}))
            """, base: server.url("/v1"))

        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "sk-cross", "OPENAI_BASE_URL": server.url("/v1")])
        let result = try await TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient).generate(
            GenerationRequest(prompt: "Pitch a comedy.", system: "Be brief.", model: "gpt-4o-mini", maxTokens: 120, temperature: 0.2)) { _ in }

        #expect(reference["text"] as? String == Self.pieces.joined())
        #expect(result.text == reference["text"] as? String)
        #expect(reference["usage"] as? [Int] == [21, 13])
        #expect([result.usage.inputTokens, result.usage.outputTokens] == [21, 13])
        #expect(result.model == reference["model"] as? String)

        let requests = await server.requests
        try #require(requests.count == 2)
        let (theirs, ours) = (requests[0], requests[1])
        #expect(ours.method == theirs.method)
        #expect(ours.path == theirs.path)
        for header in ["authorization", "content-type"] {
            #expect(ours.headers[header] == theirs.headers[header], "\(header)")
        }
        #expect(NSDictionary(dictionary: try ours.json()) == NSDictionary(dictionary: try theirs.json()))
    }

    @Test("anthropic-sdk-python reads the stand-in's Messages stream as AIProviders does, and sends the same request shape")
    func anthropic() async throws {
        let events = Streams.anthropicStart(model: "claude-3-5-haiku-20241022", inputTokens: 17) + Self.pieces.map(Streams.anthropicDelta)
            + Streams.anthropicEnd(outputTokens: 14)
        let server = try await StandInProvider.start([Self.halved(events)])
        defer { Task { await server.stop() } }
        let reference = try await Self.sdk("""
            import json, os, anthropic
            client = anthropic.Anthropic(api_key="sk-ant-cross", base_url=os.environ["BASE"], max_retries=0)
            with client.messages.stream(model="claude-3-5-haiku-latest", max_tokens=1024, system="Be brief.",
                                        messages=[{"role": "user", "content": "Pitch a comedy."}]) as stream:
                text = "".join(stream.text_stream)
                message = stream.get_final_message()
            print(json.dumps({"text": text, "usage": [message.usage.input_tokens, message.usage.output_tokens], "model": message.model}))
            """, base: server.baseURL.absoluteString)

        let configuration = try ProviderConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": "sk-ant-cross", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString])
        let result = try await TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient).generate(
            GenerationRequest(prompt: "Pitch a comedy.", system: "Be brief.")) { _ in }

        #expect(reference["text"] as? String == Self.pieces.joined())
        #expect(result.text == reference["text"] as? String)
        #expect(reference["usage"] as? [Int] == [17, 14])
        #expect([result.usage.inputTokens, result.usage.outputTokens] == [17, 14])
        #expect(result.model == reference["model"] as? String)

        let requests = await server.requests
        try #require(requests.count == 2)
        let (theirs, ours) = (requests[0], requests[1])
        #expect(ours.method == theirs.method)
        #expect(ours.path == theirs.path)
        #expect(ours.headers["content-type"] == theirs.headers["content-type"])
        // The SDK (2.17) authenticates with a bearer token and its own pinned anthropic-version;
        // we send the documented x-api-key and ANTHROPIC_VERSION. Both carry the same key.
        let theirKey = theirs.headers["x-api-key"] ?? theirs.headers["authorization"]?.replacingOccurrences(of: "Bearer ", with: "")
        #expect(theirKey == "sk-ant-cross")
        #expect(ours.headers["x-api-key"] == "sk-ant-cross")
        #expect(theirs.headers["anthropic-version"] != nil)
        #expect(ours.headers["anthropic-version"] == "2023-06-01")
        #expect(NSDictionary(dictionary: try ours.json()) == NSDictionary(dictionary: try theirs.json()))
    }
}
