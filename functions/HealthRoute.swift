import Outpost
import Foundation

/// `GET /health`: the runtime and every binding, without touching storage (it must stay cheap).
enum HealthRoute {
    static func response(env: Env, startedAt: Date) -> Response {
        var bindings: [String: JSONValue] = [:]
        for name in env.bindingNames {
            bindings[name] = .object(["type": .string(kind(of: name, env: env)), "status": "ok"])
        }
        let body: JSONValue = [
            "status": "ok",
            "runtime": [
                "name": "outpost",
                "uptimeSeconds": .number((Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000),
            ],
            "bindings": .object(bindings),
        ]
        return .json(body)
    }

    static func kind(of name: String, env: Env) -> String {
        if (try? env.kv(name)) != nil { return "kv_namespace" }
        if (try? env.queue(name)) != nil { return "queue" }
        return "binding"
    }
}
