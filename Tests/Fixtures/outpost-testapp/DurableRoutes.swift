import Foundation
import Outpost

/// `/do/<name>/…` goes to the `OBJ` binding's object named `<name>`:
/// `PUT /do/<name>/kv/<key>` stores the body, `GET /do/<name>/kv/<key>` reads it,
/// `GET /do/<name>/count` counts keys.
enum DurableRoutes {
    static func handle(_ request: Request, env: Env) async throws -> Response {
        let rest = request.path.dropFirst("/do/".count)
        guard let slash = rest.firstIndex(of: "/") else {
            return .jsonError(status: 404, code: "not_found", message: "use /do/<name>/…")
        }
        let name = String(rest[..<slash]).removingPercentEncoding ?? ""
        let stub = try env.durableObject("OBJ").getByName(name)
        var forwarded = request
        forwarded.url = "http://do" + rest[slash...]
        return try await stub.fetch(forwarded)
    }
}

/// The test app's Durable Object: a key-value store over its storage.
actor TestObject: DurableObject {
    let state: DurableObjectState

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
    }

    func fetch(_ request: Request) async throws -> Response {
        let path = request.path
        if path == "/count" {
            return .json(["count": .number(Double(try state.storage.listBytes().count))] as JSONValue)
        }
        guard path.hasPrefix("/kv/") else { return .jsonError(status: 404, code: "not_found", message: "no route \(path)") }
        let key = String(path.dropFirst("/kv/".count)).removingPercentEncoding ?? ""
        switch request.method {
        case .put:
            let bytes = try await request.body.bytes(upTo: DurableObjectLimits.maxKeyValueBytes + 1)
            try state.storage.put(key, bytes: bytes)
            return .json(["ok": true, "key": .string(key)] as JSONValue)
        case .get:
            guard let value = try state.storage.getBytes(key) else {
                return .jsonError(status: 404, code: "not_found", message: "no key \(key)")
            }
            return .text(String(decoding: value, as: UTF8.self))
        default:
            return .jsonError(status: 405, code: "method_not_allowed", message: "use GET or PUT")
        }
    }
}
