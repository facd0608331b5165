import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OutpostJSON

/// Generates text through the configured providers, streaming each piece of text as it arrives.
///
/// One attempt is one streamed HTTP request. A provider's 429 or 5xx (or a connection that
/// fails) before any text arrived is tried again after ``RetryPolicy``'s delay; 4xx answers
/// such as 400 and 401 fail at once, with the provider's status and message. Text already
/// relayed is never taken back, so a stream that breaks midway fails rather than starting over.
public struct TextGenerator: Sendable {
    public var configuration: ProviderConfiguration
    public var retry: RetryPolicy
    public var timeouts: ProviderTimeouts

    /// The most bytes kept of an error body or an unstreamed reply.
    static let maxWholeBody = 16 << 20

    public init(configuration: ProviderConfiguration, retry: RetryPolicy = RetryPolicy(), timeouts: ProviderTimeouts = ProviderTimeouts()) {
        self.configuration = configuration
        self.retry = retry
        self.timeouts = timeouts
    }

    /// Generates a reply to `request`.
    /// - Parameters:
    ///   - request: what to generate; validated again here.
    ///   - onDelta: called with each piece of text, in order, as the provider streams it. An error
    ///     it throws (say, because the job was cancelled) stops the generation and is rethrown as is.
    /// - Returns: the whole text, the provider, the model it reported, and token usage.
    /// - Throws: ``ProviderError``: 400/413 for the request or a missing configuration; the
    ///   provider's status for its refusals; 502 unreachable or a broken stream; 504 timeouts.
    ///   `CancellationError` when the task is cancelled.
    public func generate(_ request: GenerationRequest, onDelta: (String) async throws -> Void) async throws -> GenerationResult {
        let endpoint = try configuration.endpoint(for: request.provider)
        var checked = request
        checked.provider = endpoint.kind
        try checked.validate()
        guard let model = request.model ?? endpoint.defaultModel else {
            throw ProviderError.notConfigured(
                "No model to ask \(endpoint.kind.displayName) for: set \(ProviderVariables.of(endpoint.kind).model) or pass model.")
        }
        let call = ProviderCall(endpoint: endpoint, model: model, request: checked)
        var attempt = 1
        while true {
            var relayed = 0
            do {
                return try await perform(call) { delta in
                    relayed += 1
                    try await onDelta(delta)
                }
            } catch let error as ProviderError where error.isRetryable && relayed == 0 && attempt < retry.maxAttempts {
                try await Task.sleep(for: .seconds(retry.delay(afterAttempt: attempt, retryAfter: error.retryAfterSeconds)))
                attempt += 1
            }
        }
    }

    private func perform(_ call: ProviderCall, onDelta: (String) async throws -> Void) async throws -> GenerationResult {
        let kind = call.endpoint.kind
        let api: any ProviderAPI = kind == .anthropic ? AnthropicMessages() : OpenAIChatCompletions()
        let urlRequest = api.urlRequest(for: call)
        var status = 0
        var headers: [String: String] = [:]
        // An error reply, or a whole JSON reply from a server that did not stream.
        var wholeBody: [UInt8] = []
        var streamed = true
        var parser = ServerSentEventParser()
        var state = StreamState()
        var text = ""

        func relay(_ delta: String) async throws {
            guard !delta.isEmpty else { return }
            text += delta
            do {
                try await onDelta(delta)
            } catch {
                throw RelayStopped(reason: error)
            }
        }

        func take(_ event: ServerSentEvent) async throws {
            if let delta = try api.interpret(event, into: &state, provider: kind) { try await relay(delta) }
        }

        do {
            reading: for try await part in StreamingExchange.open(urlRequest, timeouts: timeouts) {
                switch part {
                case .head(let code, let fields):
                    status = code
                    headers = fields
                    streamed = !(fields["content-type"] ?? "").lowercased().contains("json")
                case .body(let bytes) where (200..<300).contains(status) && streamed:
                    for event in parser.feed(bytes) {
                        try await take(event)
                        if state.completed { break reading }
                    }
                case .body(let bytes):
                    guard wholeBody.count < Self.maxWholeBody else {
                        if (200..<300).contains(status) {
                            throw ProviderError.unreachable(kind, "sent an unstreamed reply over \(Self.maxWholeBody >> 20) MiB.", retryable: false)
                        }
                        continue
                    }
                    wholeBody += bytes
                }
            }
            if (200..<300).contains(status), !streamed {
                guard let reply = try? JSONValue.parse(wholeBody), let whole = api.interpretWhole(reply, into: &state) else {
                    throw ProviderError.unreachable(kind, "answered with JSON that is not a reply: \(ProviderErrorBody.message(from: wholeBody))",
                                                    retryable: false)
                }
                try await relay(whole)
            } else if !state.completed, (200..<300).contains(status), let event = parser.finish() {
                try await take(event)
            }
        } catch let error as ProviderError {
            throw error
        } catch let stopped as RelayStopped {
            throw stopped.reason
        } catch let timeout as StreamTimeout {
            switch timeout {
            case .response(let seconds):
                throw ProviderError.timedOut(kind, "no response from \(call.endpoint.publicBaseURL) within \(Int(seconds)) s.")
            case .idle(let seconds):
                throw ProviderError.timedOut(kind, "the stream went silent for \(Int(seconds)) s after \(text.count) characters.")
            }
        } catch {
            try Task.checkCancellation()
            throw ProviderError.unreachable(
                kind, "the request to \(call.endpoint.publicBaseURL) failed: \(error.localizedDescription)",
                retryable: text.isEmpty, cause: error)
        }
        try Task.checkCancellation()
        guard status != 0 else {
            throw ProviderError.unreachable(kind, "\(call.endpoint.publicBaseURL) closed the connection without answering.", retryable: true)
        }
        guard (200..<300).contains(status) else {
            throw ProviderError.answered(kind, status: status, message: ProviderErrorBody.message(from: wholeBody),
                                         retryAfter: RetryPolicy.retryAfter(in: headers))
        }
        guard state.completed || state.finishReason != nil else {
            throw ProviderError.unreachable(
                kind, "the stream ended before the reply was complete (after \(text.count) characters).", retryable: text.isEmpty)
        }
        return GenerationResult(text: text, provider: kind, model: state.model ?? call.model, usage: state.usage,
                                finishReason: state.finishReason)
    }
}

/// The caller's `onDelta` threw: its error ends the generation unchanged.
private struct RelayStopped: Error {
    var reason: any Error
}
