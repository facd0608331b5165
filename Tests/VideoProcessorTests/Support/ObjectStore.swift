import Foundation
import OutpostTesting
import Hummingbird
import Logging
import NIOCore

/// A stand-in for the runtime's R2 endpoint: serves objects with GET, stores them with PUT, and
/// can hold a GET until the test opens a gate (to keep a job in flight).
final class ObjectStore: Sendable {
    private actor Storage {
        var objects: [String: (Data, String)] = [:]
        var gateOpen = false
        var gateWaiters: [CheckedContinuation<Void, Never>] = []

        func put(_ key: String, _ data: Data, _ type: String) { objects[key] = (data, type) }
        func get(_ key: String) -> (Data, String)? { objects[key] }
        func waitForGate() async {
            if gateOpen { return }
            await withCheckedContinuation { gateWaiters.append($0) }
        }
        func openGate() {
            gateOpen = true
            gateWaiters.forEach { $0.resume() }
            gateWaiters = []
        }
    }

    private let storage: Storage
    let baseURL: String
    private let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>, storage: Storage) {
        self.baseURL = baseURL
        self.task = task
        self.storage = storage
    }

    static func start() async throws -> ObjectStore {
        let storage = Storage()
        let router = Router()
        router.get("/objects/{key}") { _, context -> Response in
            let key = try context.parameters.require("key")
            guard let (data, type) = await storage.get(key) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/gated/{key}") { _, context -> Response in
            let key = try context.parameters.require("key")
            await storage.waitForGate()
            guard let (data, type) = await storage.get(key) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.put("/objects/{key}") { request, context -> Response in
            let key = try context.parameters.require("key")
            let body = try await request.body.collect(upTo: 64 << 20)
            await storage.put(key, Data(body.readableBytesView), request.headers[.contentType] ?? "application/octet-stream")
            return Response(status: .ok, headers: [.eTag: "\"etag-\(key)\""])
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // Stopped by cancellation, which Hummingbird reports at error level: keep it quiet.
        var logger = Logger(label: "object-store")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("object store did not start") }
        let store = ObjectStore(baseURL: "http://127.0.0.1:\(port)", task: task, storage: storage)
        return store
    }

    func url(_ key: String) -> String { baseURL + "/objects/" + key }
    func gatedURL(_ key: String) -> String { baseURL + "/gated/" + key }
    func put(_ key: String, _ data: Data, type: String = "video/mp4") async { await storage.put(key, data, type) }
    func get(_ key: String) async -> (data: Data, type: String)? { await storage.get(key).map { ($0.0, $0.1) } }
    func openGate() async { await storage.openGate() }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
