import Outpost
import Foundation

/// `GET /health`: the runtime and every binding, without touching storage.
///
/// It is the route load balancers hit most, so the JSON is written by hand instead of
/// going through JSONEncoder.
enum HealthRoute {
    static func response(env: Env, startedAt: Date) -> Response {
        var json = #"{"bindings":{"#
        for (i, name) in env.bindingNames.enumerated() {
            if i > 0 { json += "," }
            json += "\"\(escape(name))\":{\"status\":\"ok\",\"type\":\"\(kind(of: name, env: env))\"}"
        }
        let uptime = (Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000
        json += #"},"runtime":{"name":"outpost","uptimeSeconds":"# + String(uptime) + #"},"status":"ok"}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: Body(json))
    }

    static func kind(of name: String, env: Env) -> String {
        if (try? env.kv(name)) != nil { return "kv_namespace" }
        if (try? env.r2(name)) != nil { return "r2_bucket" }
        return "binding"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
