import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OutpostJSON

/// One generation as sent to one provider: where, which model, what.
struct ProviderCall: Sendable {
    var endpoint: ProviderEndpoint
    var model: String
    var request: GenerationRequest
}

/// What has been read from a provider's stream so far, besides the text itself.
struct StreamState: Sendable {
    var model: String?
    var usage = TokenUsage()
    var finishReason: String?
    /// The provider said the stream is over (`[DONE]`, `message_stop`).
    var completed = false
}

/// What differs between provider APIs: the request, the meaning of each streamed event, and
/// where the message sits in an error body. Everything else (HTTP, retries, timeouts, SSE
/// framing) is ``TextGenerator``'s.
protocol ProviderAPI: Sendable {
    /// The HTTP request asking for a streamed generation.
    func urlRequest(for call: ProviderCall) -> URLRequest
    /// Reads one event; returns the text it adds, if any.
    /// - Throws: ``ProviderError`` when the event reports an error.
    func interpret(_ event: ServerSentEvent, into state: inout StreamState, provider: ProviderKind) throws -> String?
    /// Reads a whole, unstreamed reply (from a server that ignored `stream: true`); returns its text.
    func interpretWhole(_ reply: JSONValue, into state: inout StreamState) -> String?
}

extension ProviderAPI {
    /// A JSON POST with the headers every provider takes.
    func jsonPost(_ url: URL, body: JSONValue, headers: [String: String]) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body.serialized().utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    /// Parses an event's data as JSON.
    func json(_ event: ServerSentEvent, provider: ProviderKind) throws -> JSONValue {
        do {
            return try JSONValue.parse(event.data)
        } catch {
            throw ProviderError.unreachable(provider, "sent a stream event that is not JSON: \(event.data.prefix(200))", retryable: false)
        }
    }
}

/// Reads the message out of a provider's error body.
enum ProviderErrorBody {
    /// `{"error": {"message"}}` (OpenAI, Anthropic, vLLM), `{"error": "…"}` (Ollama, llama.cpp),
    /// `{"message"}`, or else the body's text, shortened.
    static func message(from bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let json = try? JSONValue.parse(text), let message = message(in: json) { return message }
        if text.isEmpty { return "no error message in the response body." }
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }

    static func message(in json: JSONValue) -> String? {
        if let error = json["error"] {
            if let text = error.stringValue { return text }
            if let text = error["message"]?.stringValue {
                if let type = error["type"]?.stringValue ?? error["code"]?.stringValue { return "\(text) (\(type))" }
                return text
            }
        }
        return json["message"]?.stringValue
    }
}
