import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OutpostTesting

/// A request as the stand-in received it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    /// Header values by lowercased name.
    var headers: [String: String]
    var body: Data

    /// The body parsed by Foundation's JSONSerialization (not our own JSON reader).
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestFailure("request body is not a JSON object: \(String(decoding: body, as: UTF8.self))")
        }
        return object
    }
}

/// One reply the stand-in gives, in order of the requests it receives.
struct ScriptedReply: Sendable {
    enum Step: Sendable {
        /// Bytes written and flushed as one body write.
        case write([UInt8])
        /// Waits until the test has seen this many deltas in all, so what follows goes out only
        /// after the client has read and relayed what came before.
        case awaitDeltas(Int)
    }

    var status: Int
    var headers: [String: String]
    var steps: [Step]
    /// Never sends the response head (until the stand-in stops): a provider that does not answer.
    var withholdsHead = false

    /// An event stream whose events are each written separately.
    static func events(_ events: [String]) -> ScriptedReply {
        ScriptedReply(status: 200, headers: ["Content-Type": "text/event-stream"], steps: events.map { .write(Array($0.utf8)) })
    }

    /// A JSON error body with `status`.
    static func error(_ status: Int, json: String, headers: [String: String] = [:]) -> ScriptedReply {
        ScriptedReply(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                      steps: [.write(Array(json.utf8))])
    }
}

/// A local HTTP server (Hummingbird, on a free port) standing in for a provider's API: it
/// records every request and answers from a script, streaming bodies write by write.
///
/// Providers are a boundary we do not own; everything on our side of it is the real code.
final class StandInProvider: Sendable {
    private actor State {
        var requests: [RecordedRequest] = []
        var replies: [ScriptedReply]
        var deltas = 0
        var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
        /// A paced write went out because the client had not relayed the deltas before it in time.
        var pacingBroken = false

        init(replies: [ScriptedReply]) { self.replies = replies }

        func record(_ request: RecordedRequest) -> ScriptedReply {
            requests.append(request)
            guard !replies.isEmpty else {
                return .error(500, json: #"{"error":{"message":"the stand-in has no reply scripted for request \#(requests.count)"}}"#)
            }
            return replies.count == 1 ? replies[0] : replies.removeFirst()
        }

        func deltaSeen() {
            deltas += 1
            for (id, waiter) in waiters where waiter.count <= deltas {
                waiters[id] = nil
                waiter.continuation.resume()
            }
        }

        /// Waits until the client relayed `count` deltas; after `patience` seconds goes on anyway
        /// and notes it, so a client that buffers the stream fails the test instead of hanging it.
        func wait(forDeltas count: Int, patience: Double?) async {
            if deltas >= count { return }
            let id = nextWaiter
            nextWaiter += 1
            if let patience {
                Task {
                    try? await Task.sleep(for: .seconds(patience))
                    self.expire(id)
                }
            }
            await withCheckedContinuation { waiters[id] = (count, $0) }
        }

        private func expire(_ id: Int) {
            guard let waiter = waiters.removeValue(forKey: id) else { return }
            pacingBroken = true
            waiter.continuation.resume()
        }

        /// Lets every waiting reply go on (when a test ends).
        func release() {
            waiters.values.forEach { $0.continuation.resume() }
            waiters = [:]
            deltas = .max
        }
    }

    private let state: State
    private let task: Task<Void, any Error>
    /// `http://127.0.0.1:{port}`.
    let baseURL: URL

    private init(state: State, task: Task<Void, any Error>, baseURL: URL) {
        self.state = state
        self.task = task
        self.baseURL = baseURL
    }

    /// Starts a stand-in that gives `replies` in order, repeating the last one.
    static func start(_ replies: [ScriptedReply]) async throws -> StandInProvider {
        let state = State(replies: replies)
        let router = Router()
        router.post("**") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = await state.record(RecordedRequest(
                method: request.method.rawValue, path: request.uri.path, headers: headers, body: Data(body.readableBytesView)))
            if reply.withholdsHead { await state.wait(forDeltas: .max, patience: nil) }
            var fields = HTTPFields()
            for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody { writer in
                for step in reply.steps {
                    switch step {
                    case .write(let bytes): try await writer.write(ByteBuffer(bytes: bytes))
                    case .awaitDeltas(let count): await state.wait(forDeltas: count, patience: count == .max ? nil : 60)
                    }
                }
                try await writer.finish(nil)
            })
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // Stopped by cancellation, which Hummingbird reports at error level: keep it quiet.
        var logger = Logger(label: "stand-in-provider")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestFailure("the stand-in provider did not start")
        }
        return StandInProvider(state: state, task: task, baseURL: URL(string: "http://127.0.0.1:\(port)")!)
    }

    /// Every request received so far, in order.
    var requests: [RecordedRequest] { get async { await state.requests } }

    /// Whether every paced write waited for the client's deltas (false if the client held text back).
    var pacingHeld: Bool { get async { await !state.pacingBroken } }

    /// Tells the stand-in the client relayed one more delta.
    func deltaSeen() async { await state.deltaSeen() }

    /// `baseURL` followed by `path`.
    func url(_ path: String) -> String { baseURL.absoluteString + path }

    func stop() async {
        await state.release()
        task.cancel()
        _ = await task.result
    }
}

/// Collects the deltas a generation relays, in order.
actor DeltaLog {
    private(set) var deltas: [String] = []
    func append(_ delta: String) { deltas.append(delta) }
}
