import Foundation
import Outpost

/// The test app's Worker: `/<subsystem>/…` goes to that subsystem's routes.
struct TestAppWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let path = request.path
        if path == "/ping" { return .text("pong") }
        if path == "/slow" { return try await slow(request) }
        if path == "/count" { return try await count(request) }
        if path.hasPrefix("/kv/") { return try await KVRoutes.handle(request, env: env) }
        if path.hasPrefix("/r2/") { return try await R2Routes.handle(request, env: env) }
        if path.hasPrefix("/queues/") { return try await QueueRoutes.handle(request, env: env) }
        if path.hasPrefix("/do/") { return try await DurableRoutes.handle(request, env: env) }
        return Response.jsonError(status: 404, code: "not_found", message: "No route for \(path)")
    }

    func queue(_ batch: MessageBatch, env: Env, context: ExecutionContext) async throws {
        try await QueueRoutes.consume(batch, env: env)
    }

    func scheduled(_ controller: ScheduledController, env: Env, context: ExecutionContext) async throws {
        try await CronRoutes.scheduled(controller, env: env)
    }
}

/// `GET /slow?ms=N`: logs that it started, then answers after N ms (graceful-shutdown tests).
private func slow(_ request: Request) async throws -> Response {
    let ms = Int(request.searchParams["ms"] ?? "") ?? 1000
    FileHandle.standardError.write(Data("slow request started\n".utf8))
    try await Task.sleep(for: .milliseconds(ms))
    return .text("slow done after \(ms) ms")
}

/// `POST /count`: reads the body chunk by chunk and answers with its byte count (streaming tests).
private func count(_ request: Request) async throws -> Response {
    var total = 0
    for try await chunk in request.body { total += chunk.readableBytes }
    return .text(String(total))
}

enum TestApp {
    static var script: WorkerScript { WorkerScript(worker: TestAppWorker(), durableObjects: ["TestObject": TestObject.self]) }
}
