import Foundation
@testable import Functions
import Outpost
import OutpostTesting
import Testing

@Suite("Pitchey auth, rate limit and CORS")
struct AuthTests {
    static let secrets = [
        "API_KEYS": "bare-key, viewer-key:viewer, ops:admin:admin-key",
        "JWT_SECRET": "s3cret",
    ]

    func with(_ vars: [String: String] = [:], _ body: @Sendable (TestRuntime) async throws -> Void) async throws {
        try await TestRuntime.with(config: PitcheyRoutesTests.repositoryConfig, script: Pitchey.script, vars: Self.secrets.merging(vars) { $1 }, body)
    }

    func me(_ t: TestRuntime, _ headers: HTTPFields) async throws -> (Int, JSONValue) {
        let r = await t.dispatchFetch("/api/me", headers: headers)
        return (r.status.code, try await r.json())
    }

    @Test("no credentials, a bad key or a bad Authorization header → 401 with a reason")
    func unauthorized() async throws {
        try await with { t in
            let (s1, j1) = try await me(t, [:])
            #expect(s1 == 401)
            #expect(j1["error"]?["message"] == "Authentication required: send X-API-Key or Authorization: Bearer <token>.")
            let (s2, j2) = try await me(t, [HTTPField.Name("X-API-Key")!: "wrong"])
            #expect(s2 == 401)
            #expect(j2["error"]?["code"] == "unauthorized")
            let (s3, _) = try await me(t, [.authorization: "Basic abc"])
            #expect(s3 == 401)
        }
    }

    @Test("API keys from the API_KEYS secret: bare, with a role, and named")
    func secretKeys() async throws {
        try await with { t in
            let key = HTTPField.Name("X-API-Key")!
            let (_, bare) = try await me(t, [key: "bare-key"])
            #expect(bare["role"] == "user")
            #expect(bare["id"]?.stringValue?.hasPrefix("key-") == true)
            let (_, viewer) = try await me(t, [key: "viewer-key"])
            #expect(viewer["role"] == "viewer")
            let (_, admin) = try await me(t, [key: "admin-key"])
            #expect(admin == ["id": "ops", "role": "admin"])
        }
    }

    @Test("API_KEYS is parsed once per text of the secret: a runtime with other keys sees only its own")
    func secretParsedPerText() async throws {
        let key = HTTPField.Name("X-API-Key")!
        try await with { t in
            let (status, _) = try await me(t, [key: "admin-key"])
            #expect(status == 200)
        }
        try await with(["API_KEYS": "other:admin:other-key"]) { t in
            let (before, _) = try await me(t, [key: "admin-key"])
            #expect(before == 401)
            let (_, other) = try await me(t, [key: "other-key"])
            #expect(other == ["id": "other", "role": "admin"])
        }
        #expect(APIKeys.callers(secret: "a:user:k1")["k1"]?.id == "a")
        #expect(APIKeys.callers(secret: "b:user:k2")["k1"] == nil)
    }

    @Test("keys created by `outpost keys create` are found by their hash; the key itself is not stored")
    func createdKeys() async throws {
        try await with { t in
            let auth = try t.kv("AUTH_KV")
            let key = APIKeyRecord.generateKey()
            try await auth.put(APIKeyRecord.storageKey(for: key), json: APIKeyRecord(name: "ci-bot", role: "user", createdAt: 0))
            let (status, json) = try await me(t, [HTTPField.Name("X-API-Key")!: key])
            #expect(status == 200)
            #expect(json == ["id": "ci-bot", "role": "user"])
            let stored = try await auth.list().keys.map(\.name)
            #expect(stored.count == 1)
            #expect(stored.allSatisfy { !$0.contains(key) })
        }
    }

    @Test("HS256 bearer tokens: valid, expired, tampered, wrong secret")
    func bearerTokens() async throws {
        try await with { t in
            let future = Date().timeIntervalSince1970 + 3600
            let good = JWT.sign(sub: "alice", role: "user", exp: future, secret: "s3cret")
            let (s1, j1) = try await me(t, [.authorization: "Bearer \(good)"])
            #expect(s1 == 200)
            #expect(j1 == ["id": "alice", "role": "user"])

            let expired = JWT.sign(sub: "alice", role: "user", exp: Date().timeIntervalSince1970 - 10, secret: "s3cret")
            let (s2, j2) = try await me(t, [.authorization: "Bearer \(expired)"])
            #expect(s2 == 401)
            #expect(j2["error"]?["message"] == "The bearer token has expired.")

            let other = JWT.sign(sub: "alice", role: "admin", exp: future, secret: "other")
            let (s3, j3) = try await me(t, [.authorization: "Bearer \(other)"])
            #expect(s3 == 401)
            #expect(j3["error"]?["message"] == "The bearer token's signature does not match.")

            // Swap the payload for one claiming admin, keeping the original signature.
            let parts = good.split(separator: ".")
            let forgedPayload = JWT.base64URLEncode(Data(#"{"exp":9999999999,"role":"admin","sub":"alice"}"#.utf8))
            let (s4, _) = try await me(t, [.authorization: "Bearer \(parts[0]).\(forgedPayload).\(parts[2])"])
            #expect(s4 == 401)

            let (s5, j5) = try await me(t, [.authorization: "Bearer not.a.jwt"])
            #expect(s5 == 401)
            #expect(j5["error"]?["message"] == "The bearer token is not a well-formed JWT.")
        }
    }

    @Test("the token bucket answers 429 with Retry-After once the burst is spent")
    func rateLimit() async throws {
        try await with(["RATE_LIMIT_BURST": "3", "RATE_LIMIT_PER_MINUTE": "6"]) { t in
            let alice: HTTPFields = [HTTPField.Name("X-API-Key")!: "bare-key"]
            for _ in 0..<3 {
                #expect(await t.dispatchFetch("/api/me", headers: alice).status == .ok)
            }
            let limited = await t.dispatchFetch("/api/me", headers: alice)
            #expect(limited.status.code == 429)
            #expect(limited.headers[.retryAfter] == "10")
            let json = try await limited.json()
            #expect(json["error"]?["code"] == "rate_limited")
            // Another caller has its own bucket.
            #expect(await t.dispatchFetch("/api/me", headers: [HTTPField.Name("X-API-Key")!: "admin-key"]).status == .ok)
        }
    }

    @Test("CORS: preflight and responses for allowed origins only")
    func cors() async throws {
        try await with(["CORS_ORIGINS": "https://app.example, http://localhost:3000"]) { t in
            let preflight = await t.dispatchFetch("/api/me", method: .options, headers: [
                HTTPField.Name("Origin")!: "https://app.example", HTTPField.Name("Access-Control-Request-Headers")!: "X-API-Key",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example")
            #expect(preflight.headers[.accessControlAllowHeaders] == "X-API-Key")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)

            let denied = await t.dispatchFetch("/api/me", method: .options, headers: [HTTPField.Name("Origin")!: "https://evil.example"])
            #expect(denied.status == .forbidden)
            #expect(denied.headers[.accessControlAllowOrigin] == nil)

            let get = await t.dispatchFetch("/api/me", headers: [HTTPField.Name("Origin")!: "http://localhost:3000", HTTPField.Name("X-API-Key")!: "bare-key"])
            #expect(get.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            let unauth = await t.dispatchFetch("/api/me", headers: [HTTPField.Name("Origin")!: "http://localhost:3000"])
            #expect(unauth.status.code == 401)
            #expect(unauth.headers[.accessControlAllowOrigin] == "http://localhost:3000")
        }
    }

    @Test("/health and /metrics need no auth; /metrics is Prometheus text")
    func openRoutes() async throws {
        try await with { t in
            #expect(await t.dispatchFetch("/health").status == .ok)
            _ = await t.dispatchFetch("/api/me")
            let metrics = await t.dispatchFetch("/metrics")
            #expect(metrics.status == .ok)
            let text = try await metrics.text()
            #expect(text.contains("# TYPE pitchey_http_request_duration_seconds histogram"))
            #expect(text.contains("pitchey_http_request_duration_seconds_count{route=\"GET /api/me\",status=\"4xx\"} 1"))
            #expect(text.contains("pitchey_http_request_duration_seconds_count{route=\"GET /health\",status=\"2xx\"} 1"))
        }
    }

    @Test("a known path with the wrong method is a 405 naming the allowed methods")
    func methodNotAllowed() async throws {
        try await with { t in
            let r = await t.dispatchFetch("/api/me", method: .delete, headers: [HTTPField.Name("X-API-Key")!: "bare-key"])
            #expect(r.status.code == 405)
            #expect(r.headers[.allow] == "GET")
        }
    }

    @Test("the open routes answer without credentials, each by its own rule; the rest of /api/* asks for them")
    func eachOpenRouteByItsRule() async throws {
        try await with { t in
            #expect(await t.dispatchFetch("/metrics").status == .ok)
            #expect(await t.dispatchFetch("/openapi.json").status == .ok)
            #expect(await t.dispatchFetch("/dashboard").status == .ok)
            #expect(await t.dispatchFetch("/dashboard/missing.js").status.code == 404)
            // A stream's playback needs a token or the usual auth: 401 without either, never a 200.
            #expect(await t.dispatchFetch("/streams/some-stream/master.m3u8").status.code == 401)
            // An ingest URL's key is its credential: a wrong one is 403, not 401.
            let wrongKey = await t.dispatchFetch("/api/media/live/some-job/ingest?key=00", method: .post)
            #expect(wrongKey.status.code == 403)
            let refusal: JSONValue = try await wrongKey.json()
            #expect(refusal["error"]?["code"] == "invalid_stream_key")
            let get = await t.dispatchFetch("/api/media/live/some-job/ingest?key=00")
            #expect(get.status.code == 405)
            #expect(get.headers[.allow] == "POST, PUT")
            // Next to them, an API route still asks for a credential.
            #expect(await t.dispatchFetch("/api/media/live/some-job").status.code == 401)
            #expect(await t.dispatchFetch("/nowhere").status.code == 404)
        }
    }
}
