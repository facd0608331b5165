import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The Pitchey Worker's routes, through the in-process harness with the repository's wrangler.toml.
@Suite("Pitchey routes")
struct PitcheyRoutesTests {
    static var repositoryConfig: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        return (try? String(contentsOfFile: root + "/wrangler.toml", encoding: .utf8)) ?? ""
    }

    @Test("GET /health reports the runtime and every binding as JSON")
    func health() async throws {
        try await TestRuntime.with(config: Self.repositoryConfig, script: Pitchey.script) { t in
            let response = await t.dispatchFetch("/health")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try await response.json()
            #expect(json["status"] == "ok")
            #expect(json["runtime"]?["name"] == "outpost")
            #expect(json["bindings"]?["JOB_STATUS_KV"]?["type"] == "kv_namespace")
            #expect(json["bindings"]?["VIDEO_JOBS_DLQ"]?["type"] == "queue")
            #expect(json["bindings"]?["ORCHESTRATOR"]?["type"] == "durable_object_namespace")
            #expect(json["bindings"]?["JOB_STATUS_KV"]?["status"] == "ok")
            #expect(json["bindings"]?["MEDIA"] != nil)
        }
    }

    @Test("unknown routes get a 404 JSON error naming the route")
    func notFound() async throws {
        try await TestRuntime.with(config: Self.repositoryConfig, script: Pitchey.script) { t in
            let response = await t.dispatchFetch("/does/not/exist?x=1", method: .post)
            #expect(response.status == .notFound)
            let json = try await response.json()
            #expect(json["error"]?["code"] == "not_found")
            #expect(json["error"]?["message"] == "No route for POST /does/not/exist")
        }
    }

    @Test("/health names the S3 endpoint when outpost dev serves one")
    func healthNamesTheS3Endpoint() async throws {
        try await TestRuntime.with(config: Self.repositoryConfig, script: Pitchey.script, vars: ["OUTPOST_S3_ENDPOINT": "http://127.0.0.1:8788"]) { t in
            let json = try await t.dispatchFetch("/health").json()
            #expect(json["runtime"]?["s3Endpoint"] == "http://127.0.0.1:8788")
            #expect(json["status"] == "ok")
        }
        try await TestRuntime.with(config: Self.repositoryConfig, script: Pitchey.script) { t in
            let json = try await t.dispatchFetch("/health").json()
            #expect(json["runtime"]?["s3Endpoint"] == nil)
        }
    }
}
