import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Outpost
import OutpostTesting

/// The harness's Worker behind a real socket on a free port, for clients that speak HTTP
/// themselves (ffmpeg playing a stream): each GET or HEAD goes to `TestRuntime.dispatchFetch`
/// with its path, query and `Range` header, and the Worker's answer comes back as it is. A POST
/// or PUT (ffmpeg publishing a live stream) goes with its body streamed as it arrives.
final class WorkerSocket: Sendable {
    let baseURL: String
    private let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.task = task
    }

    static func start(_ runtime: TestRuntime) async throws -> WorkerSocket {
        let router = Hummingbird.Router()
        let forward: @Sendable (Hummingbird.Request, BasicRequestContext) async throws -> Hummingbird.Response = { request, _ in
            var headers = HTTPFields()
            if let range = request.headers[.range] { headers[.range] = range }
            let answer = await runtime.dispatchFetch(request.uri.description, method: request.method, headers: headers, body: .empty)
            let bytes = try await answer.body.bytes()
            var fields = HTTPFields()
            for field in answer.headers where field.name != .contentLength { fields.append(field) }
            return Hummingbird.Response(status: answer.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("**", use: forward)
        router.head("**", use: forward)
        let upload: @Sendable (Hummingbird.Request, BasicRequestContext) async throws -> Hummingbird.Response = { request, _ in
            var headers = HTTPFields()
            if let type = request.headers[.contentType] { headers[.contentType] = type }
            let answer = await runtime.dispatchFetch(request.uri.description, method: request.method, headers: headers, body: Outpost.Body(stream: request.body))
            let bytes = try await answer.body.bytes()
            var fields = HTTPFields()
            for field in answer.headers where field.name != .contentLength { fields.append(field) }
            return Hummingbird.Response(status: answer.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("**", use: upload)
        router.put("**", use: upload)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "worker-socket")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw WorkerSocketError.notStarted }
        return WorkerSocket(baseURL: "http://127.0.0.1:\(port)", task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    enum WorkerSocketError: Error { case notStarted }
}
