import Foundation
import NIOConcurrencyHelpers
import Outpost

/// `GET /health`: the runtime and every binding, without touching storage.
///
/// It is the route load balancers hit most, so the JSON is written by hand instead of
/// going through JSONEncoder.
enum HealthRoute {
    static func response(env: Env, startedAt: Date, cache: HealthCache) -> Response {
        let uptime = (Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000
        // `outpost dev` tells the Worker where it serves R2's S3 API (OUTPOST_S3_ENDPOINT).
        let s3 = env["OUTPOST_S3_ENDPOINT"].map { #","s3Endpoint":""# + escape($0) + #"""# } ?? ""
        let json = cache.bindingsJSON(env) + #","runtime":{"name":"outpost""# + s3 + #","uptimeSeconds":"# + String(uptime) + #"},"status":"ok"}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: Body(json))
    }

    /// `{"bindings":{…}`: the part that only changes with the configuration.
    static func bindingsJSON(_ env: Env) -> String {
        var json = #"{"bindings":{"#
        for (i, name) in env.bindingNames.enumerated() {
            if i > 0 { json += "," }
            json += "\"\(escape(name))\":{\"status\":\"ok\",\"type\":\"\(kind(of: name, env: env))\"}"
        }
        return json + "}"
    }

    static func kind(of name: String, env: Env) -> String {
        if (try? env.kv(name)) != nil { return "kv_namespace" }
        if (try? env.r2(name)) != nil { return "r2_bucket" }
        if (try? env.queue(name)) != nil { return "queue" }
        if (try? env.durableObject(name)) != nil { return "durable_object_namespace" }
        return "binding"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// Remembers the bindings part of `/health` per set of binding names (the env of one runtime).
final class HealthCache: Sendable {
    private let cached = NIOLockedValueBox<(names: [String], json: String)?>(nil)

    func bindingsJSON(_ env: Env) -> String {
        let names = env.bindingNames
        if let c = cached.withLockedValue({ $0 }), c.names == names { return c.json }
        let json = HealthRoute.bindingsJSON(env)
        cached.withLockedValue { $0 = (names, json) }
        return json
    }
}
