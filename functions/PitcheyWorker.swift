public import Outpost
import Foundation

/// The Pitchey Worker: request handlers for `/health` and `/api/*`.
public struct PitcheyWorker: Worker {
    let startedAt = Date()

    public init() {}

    public func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        switch (request.method, request.path) {
        case (.get, "/health"), (.head, "/health"):
            return HealthRoute.response(env: env, startedAt: startedAt)
        default:
            return Response.jsonError(status: 404, code: "not_found", message: "No route for \(request.method.rawValue) \(request.path)")
        }
    }
}

/// The whole Pitchey deployment: the Worker and its exported classes.
public enum Pitchey {
    public static var script: WorkerScript {
        WorkerScript(worker: PitcheyWorker())
    }
}
