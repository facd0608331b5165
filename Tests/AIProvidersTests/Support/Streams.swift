@testable import AIProviders
import Foundation
import OutpostTesting

/// Provider streams as the real APIs frame them.
enum Streams {
    /// An OpenAI chat.completion.chunk event carrying `content`.
    static func openAIChunk(_ content: String, model: String) -> String {
        let escaped = String(decoding: try! JSONSerialization.data(withJSONObject: [content], options: [.withoutEscapingSlashes]), as: UTF8.self)
            .dropFirst().dropLast()
        return #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733500000,"model":"\#(model)","choices":[{"index":0,"delta":{"content":\#(escaped)},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
    }

    /// The closing events of an OpenAI stream: finish reason, usage, `[DONE]`.
    static func openAIEnd(model: String, promptTokens: Int, completionTokens: Int) -> [String] {
        [
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733500000,"model":"\#(model)","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"# + "\n\n",
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733500000,"model":"\#(model)","choices":[],"usage":{"prompt_tokens":\#(promptTokens),"completion_tokens":\#(completionTokens),"total_tokens":\#(promptTokens + completionTokens)}}"# + "\n\n",
            "data: [DONE]\n\n",
        ]
    }

    /// A whole OpenAI stream of `pieces`, one event per write.
    static func openAI(_ pieces: [String], model: String = "gpt-4o-mini-2024-07-18") -> ScriptedReply {
        .events(pieces.map { openAIChunk($0, model: model) } + openAIEnd(model: model, promptTokens: 5, completionTokens: pieces.count))
    }

    /// An Anthropic `content_block_delta` event carrying `text`.
    static func anthropicDelta(_ text: String) -> String {
        let escaped = String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self)
            .dropFirst().dropLast()
        return "event: content_block_delta\n" + #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(escaped)}}"# + "\n\n"
    }

    static func anthropicStart(model: String, inputTokens: Int) -> [String] {
        [
            "event: message_start\n" + #"data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"\#(model)","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":\#(inputTokens),"output_tokens":1}}}"# + "\n\n",
            "event: content_block_start\n" + #"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"# + "\n\n",
            "event: ping\n" + #"data: {"type": "ping"}"# + "\n\n",
        ]
    }

    static func anthropicEnd(outputTokens: Int) -> [String] {
        [
            "event: content_block_stop\n" + #"data: {"type":"content_block_stop","index":0}"# + "\n\n",
            "event: message_delta\n" + #"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(outputTokens)}}"# + "\n\n",
            "event: message_stop\n" + #"data: {"type":"message_stop"}"# + "\n\n",
        ]
    }

    /// A whole Anthropic stream of `pieces`.
    static func anthropic(_ pieces: [String], model: String = "claude-3-5-haiku-20241022") -> ScriptedReply {
        .events(anthropicStart(model: model, inputTokens: 9) + pieces.map(anthropicDelta) + anthropicEnd(outputTokens: pieces.count))
    }

    /// Steps writing `events`, each only after the client relayed every delta before it
    /// (`deltasBefore[i]` deltas precede event i), so each arrives in a read of its own.
    static func paced(_ events: [String], deltasBefore: [Int]) -> [ScriptedReply.Step] {
        zip(events, deltasBefore).flatMap { [.awaitDeltas($1), .write(Array($0.utf8))] }
    }

    /// `text`'s bytes cut into two writes at byte `offset`.
    static func split(_ text: String, atByte offset: Int) -> [ScriptedReply.Step] {
        let bytes = Array(text.utf8)
        return [.write(Array(bytes[..<offset])), .write(Array(bytes[offset...]))]
    }

    /// The byte offset inside `text` that falls in the middle of the first occurrence of `character`'s UTF-8.
    static func byteOffset(splitting character: Character, in text: String) -> Int {
        let index = text.firstIndex(of: character)!
        return text.utf8.distance(from: text.utf8.startIndex, to: index) + 1
    }
}

/// Runs a generation against `server`, relaying deltas to `log` and telling the server about each.
func generate(_ generator: TextGenerator, _ request: GenerationRequest, server: StandInProvider, log: DeltaLog) async throws -> GenerationResult {
    try await generator.generate(request) { delta in
        await log.append(delta)
        await server.deltaSeen()
    }
}

/// Retries fast in tests; `Retry-After` still rules when a reply sends it.
let quickRetry = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5)

/// The clients' timeouts in tests that are not about timeouts: the stand-in provider answers at
/// once, so its silence can only be a stalled machine, never a reason to fail.
let patient = ProviderTimeouts(response: HangGuard.seconds, idle: HangGuard.seconds, total: 2 * HangGuard.seconds)
