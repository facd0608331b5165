import Foundation
import NIOCore
import Outpost
import OutpostTesting
import Testing

@Suite("Worker model")
struct WorkerModelTests {
    @Test("Request exposes path, query and decoded search params")
    func requestParts() {
        let r = Request(url: "http://example.com/api/jobs/a%20b?status=queued&x=1+2&x=3&empty=&key=in%2Fa%20b.mp4&bad=%zz#frag")
        #expect(r.path == "/api/jobs/a%20b")
        #expect(r.query == "status=queued&x=1+2&x=3&empty=&key=in%2Fa%20b.mp4&bad=%zz")
        #expect(r.searchParams["key"] == "in/a b.mp4")
        #expect(r.searchParams["bad"] == "%zz")
        #expect(r.searchParams["status"] == "queued")
        #expect(r.searchParams["x"] == "1 2")
        #expect(r.searchParams.all("x") == ["1 2", "3"])
        #expect(r.searchParams["empty"] == "")
        #expect(r.searchParams["missing"] == nil)
        #expect(Request(url: "/relative").url == "http://localhost/relative")
        #expect(Request(url: "http://h").path == "/")
        #expect(Request(url: "http://h?x=1").path == "/")
        #expect(Request(url: "http://h?x=1").query == "x=1")
        #expect(Request(url: "http://h:8787/a/b#f?not-a-query").query == "")
        #expect(Request(url: "http://h:8787/a/b#f?not-a-query").path == "/a/b")
        var moved = r
        moved.url = "http://example.com/other?y=2"
        #expect(moved.path == "/other")
        #expect(moved.query == "y=2")
    }

    @Test("a body writer is backpressured: every chunk arrives, in order")
    func writerBackpressure() async throws {
        let body = Body { writer in
            for i in 0..<1000 { await writer.write("\(i),") }
        }
        let text = try await body.text()
        #expect(text == (0..<1000).map { "\($0)," }.joined())
    }

    @Test("collect refuses a body past its limit")
    func collectLimit() async throws {
        let body = Body { writer in
            for _ in 0..<10 { await writer.write(ByteBuffer(repeating: 0, count: 1000)) }
        }
        await #expect(throws: BodyTooLargeError.self) { _ = try await body.collect(upTo: 9_999) }
        #expect(try await Body(bytes: [1, 2, 3]).bytes() == [1, 2, 3])
        await #expect(throws: BodyTooLargeError.self) { _ = try await Body("12345").collect(upTo: 4) }
    }

    @Test("a malformed JSON body is a 400 that names the problem")
    func badJSON() async throws {
        struct Job: Decodable { let type: String }
        do {
            _ = try await Body("{\"nope\": 1}").json(Job.self)
            Issue.record("expected an error")
        } catch let error as InvalidJSONError {
            #expect(error.status == 400)
            #expect(error.message == "Malformed JSON body: missing field 'type'")
        }
        await #expect(throws: InvalidJSONError.self) { _ = try await Body("{not json").json(Job.self) }
    }

    struct ThrowingWorker: Worker {
        func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
            switch request.path {
            case "/http-error": throw HTTPFailure.badRequest("timestamp must be ≥ 0", code: "invalid_timestamp")
            case "/kv-error": try await env.kv("KV").put("", "v"); return Response()
            default: throw CancellationError()
            }
        }
    }

    @Test("handler errors become JSON responses: HTTPError with its status, anything else a 500")
    func errorMapping() async throws {
        try await TestRuntime.with(config: TestConfig.kv, script: WorkerScript(worker: ThrowingWorker())) { t in
            let bad = await t.dispatchFetch("/http-error")
            #expect(bad.status.code == 400)
            let badJSON = try await bad.json()
            #expect(badJSON == ["error": ["code": "invalid_timestamp", "message": "timestamp must be ≥ 0"]])
            let kv = await t.dispatchFetch("/kv-error")
            #expect(kv.status.code == 400)
            let kvJSON = try await kv.json()
            #expect(kvJSON["error"]?["message"] == "Key name cannot be empty.")
            let other = await t.dispatchFetch("/other")
            #expect(other.status.code == 500)
            let otherJSON = try await other.json()
            #expect(otherJSON["error"]?["code"] == "internal_error")
        }
    }

    struct WaitUntilWorker: Worker {
        func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
            let kv = try env.kv("KV")
            context.waitUntil {
                try? await Task.sleep(for: .milliseconds(300))
                try? await kv.put("after-response", "written")
            }
            return .text("sent")
        }
    }

    @Test("waitUntil work runs after the response, and shutdown waits for it")
    func waitUntil() async throws {
        let t = try TestRuntime(config: TestConfig.kv, script: WorkerScript(worker: WaitUntilWorker()))
        defer { t.removeDirectory() }
        try await t.run { t in
            let response = await t.dispatchFetch("/")
            let text = try await response.text()
            #expect(text == "sent")
            let early = try await t.kv("KV").get("after-response")
            #expect(early == nil)
        }
        // `run` returned: the graceful shutdown waited for the background write.
        let again = try TestRuntime(config: TestConfig.kv, script: WorkerScript(worker: NullWorker()), directory: t.directory)
        try await again.run { t in
            let late = try await t.kv("KV").get("after-response")
            #expect(late == "written")
        }
    }
}
