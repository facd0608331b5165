import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OutpostJSON

/// OpenAI's Chat Completions API (`POST {base}/chat/completions`), streamed; also every
/// OpenAI-compatible server (Ollama, llama.cpp server, vLLM), whose key is optional.
///
/// The stream is `data: {chunk}` lines ending with `data: [DONE]`; text is in
/// `choices[0].delta.content`, and `stream_options.include_usage` adds a last chunk with `usage`.
struct OpenAIChatCompletions: ProviderAPI {
    func urlRequest(for call: ProviderCall) -> URLRequest {
        var messages: [JSONValue] = []
        if let system = call.request.system {
            messages.append(.object(["role": .string("system"), "content": .string(system)]))
        }
        for message in call.request.messages {
            messages.append(.object(["role": .string(message.role.rawValue), "content": .string(message.content)]))
        }
        var body: [String: JSONValue] = [
            "model": .string(call.model),
            "messages": .array(messages),
            "stream": .bool(true),
            "stream_options": .object(["include_usage": .bool(true)]),
        ]
        if let maxTokens = call.request.maxTokens {
            // OpenAI replaced max_tokens (which its reasoning models refuse); compatible servers know max_tokens.
            body[call.endpoint.kind == .openai ? "max_completion_tokens" : "max_tokens"] = .number(Double(maxTokens))
        }
        if let temperature = call.request.temperature { body["temperature"] = .number(temperature) }
        var headers: [String: String] = [:]
        if let key = call.endpoint.apiKey { headers["Authorization"] = "Bearer \(key)" }
        return jsonPost(call.endpoint.url(appending: "/chat/completions"), body: .object(body), headers: headers)
    }

    func interpret(_ event: ServerSentEvent, into state: inout StreamState, provider: ProviderKind) throws -> String? {
        if event.data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            state.completed = true
            return nil
        }
        let chunk = try json(event, provider: provider)
        if chunk["error"] != nil {
            let status = chunk["error"]?["code"]?.intValue ?? 502
            throw ProviderError.answered(provider, status: (400...599).contains(status) ? status : 502,
                                         message: ProviderErrorBody.message(in: chunk) ?? event.data, retryAfter: nil)
        }
        if let model = chunk["model"]?.stringValue, !model.isEmpty { state.model = model }
        if let usage = chunk["usage"], usage != .null {
            state.usage = TokenUsage(inputTokens: usage["prompt_tokens"]?.intValue, outputTokens: usage["completion_tokens"]?.intValue)
        }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return nil }
        if let reason = choice["finish_reason"]?.stringValue { state.finishReason = reason }
        return choice["delta"]?["content"]?.stringValue
    }

    func interpretWhole(_ reply: JSONValue, into state: inout StreamState) -> String? {
        guard let choice = reply["choices"]?.arrayValue?.first, let text = choice["message"]?["content"]?.stringValue else { return nil }
        state.model = reply["model"]?.stringValue
        state.finishReason = choice["finish_reason"]?.stringValue
        if let usage = reply["usage"] {
            state.usage = TokenUsage(inputTokens: usage["prompt_tokens"]?.intValue, outputTokens: usage["completion_tokens"]?.intValue)
        }
        state.completed = true
        return text
    }
}
