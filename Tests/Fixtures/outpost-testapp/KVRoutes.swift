import Foundation
import Outpost

/// `PUT /kv/<key>` stores the body in the `KV` binding; `GET /kv/<key>` reads it.
enum KVRoutes {
    static func handle(_ request: Request, env: Env) async throws -> Response {
        let kv = try env.kv("KV")
        let key = String(request.path.dropFirst("/kv/".count)).removingPercentEncoding ?? ""
        switch request.method {
        case .put:
            try await kv.put(key, body: request.body)
            return .json(["ok": true, "key": .string(key)] as JSONValue)
        case .get:
            guard let value = try await kv.get(key) else { return .jsonError(status: 404, code: "not_found", message: "no key \(key)") }
            return .text(value)
        default:
            return .jsonError(status: 405, code: "method_not_allowed", message: "use GET or PUT")
        }
    }
}
