@testable import AIProviders
import Foundation
import OutpostTesting
import Testing

@Suite("Provider failures: statuses, retries, timeouts")
struct ProviderFailureTests {
    static func openAI(_ server: StandInProvider) throws -> ProviderConfiguration {
        try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "sk-bad", "OPENAI_BASE_URL": server.url("/v1")])
    }

    static func anthropic(_ server: StandInProvider) throws -> ProviderConfiguration {
        try ProviderConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": server.baseURL.absoluteString])
    }

    @Test("a 401 fails at once with OpenAI's status and message; the server sees exactly one request")
    func unauthorizedIsNotRetried() async throws {
        let server = try await StandInProvider.start([.error(401, json: """
            {"error":{"message":"Incorrect API key provided: sk-bad. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
            """)])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.openAI(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                               server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 401)
        #expect(error?.providerStatus == 401)
        #expect(error?.provider == .openai)
        #expect(error?.code == "provider_error")
        #expect(error?.message.contains("Incorrect API key provided") == true)
        #expect(await server.requests.count == 1)
    }

    @Test("a 400 from Anthropic fails at once with its message")
    func badRequestIsNotRetried() async throws {
        let server = try await StandInProvider.start([.error(400, json: """
            {"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 100000 > 8192, which is the maximum allowed"}}
            """)])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.anthropic(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                               server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("max_tokens: 100000 > 8192") == true)
        #expect(await server.requests.count == 1)
    }

    @Test("a 429 then a 200 is retried and succeeds; the server sees two requests")
    func rateLimitThenSuccess() async throws {
        let server = try await StandInProvider.start([
            .error(429, json: #"{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","code":"rate_limit_exceeded"}}"#,
                   headers: ["Retry-After": "0"]),
            Streams.openAI(["after", " the", " wait"]),
        ])
        defer { Task { await server.stop() } }
        let log = DeltaLog()
        let result = try await generate(TextGenerator(configuration: Self.openAI(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                                        server: server, log: log)
        #expect(result.text == "after the wait")
        #expect(await log.deltas == ["after", " the", " wait"])
        let requests = await server.requests
        #expect(requests.count == 2)
        #expect(requests.map(\.body) == [requests[0].body, requests[0].body])
    }

    @Test("a 429's Retry-After is honoured before the next attempt")
    func retryAfterIsHonoured() async throws {
        let server = try await StandInProvider.start([
            .error(429, json: #"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
                   headers: ["Retry-After": "1"]),
            Streams.anthropic(["ok"]),
        ])
        defer { Task { await server.stop() } }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await generate(TextGenerator(configuration: Self.anthropic(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                                        server: server, log: DeltaLog())
        // quickRetry alone would wait 10 ms; the provider asked for 1 s.
        #expect(clock.now - start >= .seconds(1))
        #expect(result.text == "ok")
        #expect(await server.requests.count == 2)
    }

    @Test("a 500 on every attempt fails with the provider's status and message after maxAttempts requests")
    func serverErrorsExhaustRetries() async throws {
        let server = try await StandInProvider.start([.error(500, json: #"{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}"#)])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.openAI(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                               server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 500)
        #expect(error?.message.contains("The server had an error while processing your request.") == true)
        #expect(await server.requests.count == quickRetry.maxAttempts)
    }

    @Test("Anthropic's 529 overloaded is retried like a 5xx")
    func overloadedIsRetried() async throws {
        let server = try await StandInProvider.start([.error(529, json: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.anthropic(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                               server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 529)
        #expect(error?.message.contains("Overloaded") == true)
        #expect(await server.requests.count == quickRetry.maxAttempts)
    }

    @Test("a plain-text error body (a proxy's) still reaches the message")
    func plainTextErrorBody() async throws {
        let server = try await StandInProvider.start([ScriptedReply(status: 502, headers: ["Content-Type": "text/html"],
                                                                    steps: [.write(Array("<html>Bad Gateway from upstream</html>".utf8))])])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.openAI(server), retry: RetryPolicy(maxAttempts: 1)),
                               GenerationRequest(prompt: "hi"), server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 502)
        #expect(error?.message.contains("Bad Gateway from upstream") == true)
    }

    @Test("a stream that goes silent fails with 504 after the idle timeout, keeping the text relayed so far")
    func idleStreamTimesOut() async throws {
        let events = [Streams.openAIChunk("partial", model: "m")]
        let server = try await StandInProvider.start([ScriptedReply(
            status: 200, headers: ["Content-Type": "text/event-stream"], steps: events.map { .write(Array($0.utf8)) } + [.awaitDeltas(.max)])])
        defer { Task { await server.stop() } }
        let log = DeltaLog()
        let generator = TextGenerator(configuration: try Self.openAI(server), retry: quickRetry,
                                      timeouts: ProviderTimeouts(response: 30, idle: 1, total: 600))
        let error = await #expect(throws: ProviderError.self) {
            try await generate(generator, GenerationRequest(prompt: "hi"), server: server, log: log)
        }
        #expect(error?.statusCode == 504)
        #expect(error?.code == "provider_timeout")
        #expect(await log.deltas == ["partial"])
        #expect(await server.requests.count == 1)
    }

    @Test("a provider that never answers fails with 504 after the response timeout")
    func noResponseTimesOut() async throws {
        var reply = Streams.openAI(["never"])
        reply.withholdsHead = true
        let server = try await StandInProvider.start([reply])
        defer { Task { await server.stop() } }
        let generator = TextGenerator(configuration: try Self.openAI(server), retry: quickRetry,
                                      timeouts: ProviderTimeouts(response: 1, idle: 60, total: 600))
        let error = await #expect(throws: ProviderError.self) {
            try await generate(generator, GenerationRequest(prompt: "hi"), server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 504)
        #expect(error?.message.contains("no response") == true)
    }

    @Test("a provider nobody listens for is a retried 502 naming the URL")
    func unreachableProvider() async throws {
        // Held bound and never listening, so no other test's server can take the port meanwhile.
        let (port, held) = try FreePort.refusing()
        defer { close(held) }
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1"])
        let error = await #expect(throws: ProviderError.self) {
            try await TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient).generate(GenerationRequest(prompt: "hi")) { _ in }
        }
        #expect(error?.statusCode == 502)
        #expect(error?.code == "provider_unreachable")
        #expect(error?.isRetryable == true)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
    }

    @Test("a stream that ends without [DONE] or a finish reason is a 502, not a short answer")
    func truncatedStream() async throws {
        let server = try await StandInProvider.start([.events([Streams.openAIChunk("half a sen", model: "m")])])
        defer { Task { await server.stop() } }
        let error = await #expect(throws: ProviderError.self) {
            try await generate(TextGenerator(configuration: Self.openAI(server), retry: quickRetry, timeouts: patient), GenerationRequest(prompt: "hi"),
                               server: server, log: DeltaLog())
        }
        #expect(error?.statusCode == 502)
        #expect(error?.message.contains("ended before the reply was complete") == true)
        #expect(await server.requests.count == 1)
    }
}

@Suite("Cancelling a generation")
struct GenerationCancellationTests {
    @Test("cancelling the task mid-stream ends the generation with CancellationError, without waiting for the provider")
    func cancelMidStream() async throws {
        let events = [Streams.openAIChunk("first", model: "m")]
        let server = try await StandInProvider.start([ScriptedReply(
            status: 200, headers: ["Content-Type": "text/event-stream"], steps: events.map { .write(Array($0.utf8)) } + [.awaitDeltas(.max)])])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": server.url("/v1")])
        let (firstDelta, seen) = AsyncStream<Void>.makeStream()
        let generation = Task {
            try await TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient).generate(GenerationRequest(prompt: "hi")) { _ in
                seen.yield()
            }
        }
        var iterator = firstDelta.makeAsyncIterator()
        await iterator.next()
        generation.cancel()
        let outcome = await generation.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(await server.requests.count == 1)
    }
}

extension GenerationCancellationTests {
    struct JobCancelled: Error, Equatable {}

    @Test("an error thrown by onDelta (a cancelled job) stops the stream and comes back unchanged, without a retry")
    func onDeltaThrows() async throws {
        let server = try await StandInProvider.start([Streams.openAI(["one", " two", " three", " four"])])
        defer { Task { await server.stop() } }
        let configuration = try ProviderConfiguration.fromEnvironment(["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": server.url("/v1")])
        let log = DeltaLog()
        await #expect(throws: JobCancelled()) {
            try await TextGenerator(configuration: configuration, retry: quickRetry, timeouts: patient).generate(GenerationRequest(prompt: "hi")) { delta in
                await log.append(delta)
                if await log.deltas.count == 2 { throw JobCancelled() }
            }
        }
        #expect(await log.deltas == ["one", " two"])
        #expect(await server.requests.count == 1)
    }
}
