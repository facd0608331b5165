import Outpost
import OutpostTesting
import Testing

@Suite("Worker router")
struct WorkerRouterTests {
    func router() -> WorkerRouter<String> {
        var r = WorkerRouter<String>()
        r.on(.get, "/api/jobs") { _, _, ctx in .text("list \(ctx)") }
        r.on(.post, "/api/jobs") { _, _, _ in .text("create") }
        r.on(.get, "/api/jobs/:id") { _, p, _ in .text("job \(p["id"]!)") }
        r.on(.get, "/api/jobs/:id/outputs/:name") { _, p, _ in .text("\(p["id"]!) \(p["name"]!)") }
        r.on(.get, "/files/*path") { _, p, _ in .text("file \(p["path"]!)") }
        return r
    }

    func call(_ method: HTTPRequest.Method, _ path: String) async throws -> (Int, String)? {
        guard let r = try await router().handle(Request(method: method, url: path), context: "ctx") else { return nil }
        return (r.status.code, try await r.text())
    }

    @Test("literal, parameter and rest segments; percent-decoding; first match wins")
    func matching() async throws {
        #expect(try await call(.get, "/api/jobs")! == (200, "list ctx"))
        #expect(try await call(.post, "/api/jobs")! == (200, "create"))
        #expect(try await call(.get, "/api/jobs/j%201")! == (200, "job j 1"))
        #expect(try await call(.get, "/api/jobs/7/outputs/thumb.png")! == (200, "7 thumb.png"))
        #expect(try await call(.get, "/files/a/b/c.txt")! == (200, "file a/b/c.txt"))
        #expect(try await call(.head, "/api/jobs")! == (200, "list ctx"))
    }

    @Test("first match wins across routes that start with a literal and routes that start with a parameter")
    func orderAcrossFirstSegments() async throws {
        var r = WorkerRouter<String>()
        r.on(.get, "/:any/x") { _, p, _ in .text("early \(p["any"]!)") }
        r.on(.get, "/api/x") { _, _, _ in .text("literal") }
        r.on(.get, "/api/:y") { _, p, _ in .text("api \(p["y"]!)") }
        r.on(.get, "/:any/:y") { _, p, _ in .text("late \(p["any"]!) \(p["y"]!)") }
        r.on(.get, "/") { _, _, _ in .text("root") }
        r.on(.get, "/*rest") { _, p, _ in .text("rest \(p["rest"]!)") }
        func text(_ path: String) async throws -> String? {
            guard let response = try await r.handle(Request(url: path), context: "") else { return nil }
            return try await response.text()
        }
        #expect(try await text("/api/x") == "early api")
        #expect(try await text("/api/z") == "api z")
        #expect(try await text("/other/z") == "late other z")
        #expect(try await text("/") == "root")
        #expect(try await text("/a/b/c") == "rest a/b/c")
        #expect(r.resolve(Request(url: "/api/z")).pattern == "GET /api/:y")
    }

    @Test("no match is nil; a path matched with another method is a 405")
    func misses() async throws {
        #expect(try await call(.get, "/api/nope") == nil)
        #expect(try await call(.get, "/api/jobs/1/extra") == nil)
        let (status, body) = try #require(try await call(.delete, "/api/jobs"))
        #expect(status == 405)
        #expect(body.contains("use GET, POST"))
    }
}
