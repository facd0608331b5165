import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OutpostJSON

/// Anthropic's Messages API (`POST {base}/v1/messages`), streamed.
///
/// Authentication is `x-api-key` with an `anthropic-version`; `max_tokens` is required; the system
/// prompt is a top-level field (system messages are folded into it). The stream's events are
/// `message_start` (model, input tokens), `content_block_delta` (`delta.text`), `message_delta`
/// (stop reason, output tokens), `message_stop`, `ping`, and `error`.
struct AnthropicMessages: ProviderAPI {
    func urlRequest(for call: ProviderCall) -> URLRequest {
        let messages: [JSONValue] = call.request.messages.filter { $0.role != .system }.map {
            .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
        }
        var body: [String: JSONValue] = [
            "model": .string(call.model),
            "messages": .array(messages),
            "max_tokens": .number(Double(call.request.maxTokens ?? GenerationRequest.defaultMaxTokens)),
            "stream": .bool(true),
        ]
        if let system = call.request.combinedSystem { body["system"] = .string(system) }
        if let temperature = call.request.temperature { body["temperature"] = .number(temperature) }
        var headers: [String: String] = ["anthropic-version": call.endpoint.apiVersion ?? "2023-06-01"]
        if let key = call.endpoint.apiKey { headers["x-api-key"] = key }
        return jsonPost(call.endpoint.url(appending: "/v1/messages"), body: .object(body), headers: headers)
    }

    func interpret(_ event: ServerSentEvent, into state: inout StreamState, provider: ProviderKind) throws -> String? {
        let payload = try json(event, provider: provider)
        switch event.event ?? payload["type"]?.stringValue {
        case "message_start":
            let message = payload["message"]
            if let model = message?["model"]?.stringValue { state.model = model }
            if let input = message?["usage"]?["input_tokens"]?.intValue { state.usage.inputTokens = input }
            if let output = message?["usage"]?["output_tokens"]?.intValue { state.usage.outputTokens = output }
        case "content_block_delta":
            guard payload["delta"]?["type"]?.stringValue == "text_delta" else { return nil }
            return payload["delta"]?["text"]?.stringValue
        case "message_delta":
            if let reason = payload["delta"]?["stop_reason"]?.stringValue { state.finishReason = reason }
            // Counts here are cumulative for the message.
            if let input = payload["usage"]?["input_tokens"]?.intValue { state.usage.inputTokens = input }
            if let output = payload["usage"]?["output_tokens"]?.intValue { state.usage.outputTokens = output }
        case "message_stop":
            state.completed = true
        case "error":
            let type = payload["error"]?["type"]?.stringValue ?? ""
            throw ProviderError.answered(provider, status: Self.status(ofErrorType: type),
                                         message: ProviderErrorBody.message(in: payload) ?? event.data, retryAfter: nil)
        default:
            break
        }
        return nil
    }

    func interpretWhole(_ reply: JSONValue, into state: inout StreamState) -> String? {
        guard let blocks = reply["content"]?.arrayValue else { return nil }
        state.model = reply["model"]?.stringValue
        state.finishReason = reply["stop_reason"]?.stringValue
        state.usage = TokenUsage(inputTokens: reply["usage"]?["input_tokens"]?.intValue, outputTokens: reply["usage"]?["output_tokens"]?.intValue)
        state.completed = true
        return blocks.filter { $0["type"]?.stringValue == "text" }.compactMap { $0["text"]?.stringValue }.joined()
    }

    /// The HTTP status Anthropic documents for each error type.
    static func status(ofErrorType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "overloaded_error": 529
        default: 500
        }
    }
}
