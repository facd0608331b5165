import Foundation
import Outpost

/// The test app's Worker: `/<subsystem>/…` goes to that subsystem's routes.
struct TestAppWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let path = request.path
        if path == "/ping" { return .text("pong") }
        if path.hasPrefix("/kv/") { return try await KVRoutes.handle(request, env: env) }
        if path.hasPrefix("/do/") { return try await DurableRoutes.handle(request, env: env) }
        return Response.jsonError(status: 404, code: "not_found", message: "No route for \(path)")
    }
}

enum TestApp {
    static var script: WorkerScript { WorkerScript(worker: TestAppWorker(), durableObjects: ["TestObject": TestObject.self]) }
}
