import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import ServiceDescriptors
import ServiceFixtureDescriptor
import Testing

/// The test-only service's container class: all `durable/` needs of a service is a class like
/// this one, named in a `ServiceRegistry`.
actor ServiceFixture: ServiceContainer {
    static var descriptor: ServiceDescriptor { ServiceFixtureDescriptor.service }
    let state: DurableObjectState
    let env: Env
    let sleepAfter: SleepAfter

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }
}

/// Adding a service is a recipe (services/README.md): a descriptor, an executable on ServiceKit,
/// a Container class and wrangler's blocks. This service exists only in the test tree, and its
/// jobs run through the generic routes with no change to `functions/` or `durable/`.
@Suite("A service declared once", .serialized)
struct ServiceRecipeTests {
    static let wrangler = """

        [[durable_objects.bindings]]
        name = "SERVICE_FIXTURE"
        class_name = "ServiceFixture"

        [[migrations]]
        tag = "fixture-v1"
        new_sqlite_classes = ["ServiceFixture"]

        [[containers]]
        class_name = "ServiceFixture"
        image = "service-fixture"
        max_instances = 1
        instance_type = "lite"
        """

    static func with(_ body: @Sendable (Platform) async throws -> Void) async throws {
        try await Platform.with(services: ServiceRegistry(ServiceRegistry.pitchey.containers + [ServiceFixture.self]), extraConfig: wrangler, body)
    }

    @Test("POST /api/{service}/{operation} runs a job: raw upload with query parameters, or JSON with the key; progress and result come back")
    func operationWithInput() async throws {
        try await Self.with { p in
            let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let expectedSum = bytes.reduce(UInt64(0)) { $0 + UInt64($1) }
            var headers = Platform.alice
            headers[.contentType] = "application/octet-stream"
            let raw = await p.t.dispatchFetch("/api/fixture/checksum?label=raw&repeat=3&wait=60", method: .post, headers: headers, body: Body(bytes: bytes))
            let rawJob = try await p.ended(raw)
            #expect(rawJob["type"] == "fixture.checksum")
            #expect(rawJob["status"] == "succeeded")
            #expect(rawJob["result"]?["size"]?.intValue == bytes.count)
            #expect(rawJob["result"]?["sum"]?.doubleValue == Double(expectedSum))
            #expect(rawJob["result"]?["label"] == "raw")
            #expect(rawJob["instance"] == nil || rawJob["instance"]?.stringValue?.hasPrefix("service-fixture-") == true)

            // The same upload by key, through the JSON form and through the descriptor's alias.
            let key = try #require(rawJob["input"]?["key"]?.stringValue)
            let byKey = try await p.finished("/api/fixture/checksum", ["key": .string(key), "label": "json"])
            #expect(byKey["result"]?["sum"]?.doubleValue == Double(expectedSum))
            let alias = try await p.finished("/api/fixture-alias/sum", ["key": .string(key)])
            #expect(alias["type"] == "fixture.checksum" && alias["status"] == "succeeded")
            let viaContainers = try await p.finished("/api/containers/fixture-service/checksum", ["key": .string(key)])
            #expect(viaContainers["status"] == "succeeded")
        }
    }

    @Test("an operation without input takes JSON parameters; its output is stored with the declared extension")
    func operationWithoutInput() async throws {
        try await Self.with { p in
            let job = try await p.finished("/api/fixture/note", ["text": "hello there", "shout": true])
            #expect(job["status"] == "succeeded")
            let output = try #require(job["outputs"]?.arrayValue?.first)
            #expect(output["key"]?.stringValue?.hasSuffix("/note.txt") == true)
            #expect(output["contentType"] == "text/plain")
            let id = try #require(job["id"]?.stringValue)
            let file = await p.t.dispatchFetch("/api/containers/jobs/\(id)/outputs/note", headers: Platform.alice)
            #expect(file.status == .ok)
            #expect(try await file.text() == "HELLO THERE")
        }
    }

    @Test("GET /api/{service}/{catalogue} answers from the service")
    func catalogue() async throws {
        try await Self.with { p in
            let (status, json) = try await p.get("/api/fixture/colours")
            #expect(status == 200)
            #expect(json["colours"] == ["red", "green", "blue"])
        }
    }

    @Test("an unknown service or operation is a 404 listing what exists; a bad parameter is a 400 naming it, and nothing is stored")
    func badInput() async throws {
        try await Self.with { p in
            let (noService, services) = try await p.post("/api/nosuch/run", [:])
            #expect(noService == 404)
            let listed = services["error"]?["message"]?.stringValue ?? ""
            #expect(listed.contains("/api/video") && listed.contains("/api/fixture"), "\(listed)")
            let (noOperation, operations) = try await p.post("/api/fixture/explode", [:])
            #expect(noOperation == 404)
            let named = operations["error"]?["message"]?.stringValue ?? ""
            #expect(named.contains("checksum") && named.contains("note") && named.contains("colours"), "\(named)")
            let (noCatalogue, _) = try await p.get("/api/fixture/flavours")
            #expect(noCatalogue == 404)

            var headers = Platform.alice
            headers[.contentType] = "application/octet-stream"
            let bad = await p.t.dispatchFetch("/api/fixture/checksum?repeat=9", method: .post, headers: headers, body: Body(bytes: [1, 2, 3]))
            let error = try await bad.json()
            #expect(bad.status.code == 400)
            #expect(error["error"]?["code"] == "invalid_parameter")
            let message = error["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("repeat") && message.contains("1 to 5"), "\(message)")
            let (missing, required) = try await p.post("/api/fixture/note", ["shout": true])
            #expect(missing == 400)
            #expect(required["error"]?["message"]?.stringValue?.contains("text") == true)
            let (unknownParameter, _) = try await p.post("/api/fixture/note", ["text": "x", "volume": 11])
            #expect(unknownParameter == 400)

            // Nothing was stored: no upload, no job.
            let uploads = try await p.t.env.r2("MEDIA").list(R2ListOptions(prefix: "uploads/"))
            #expect(uploads.objects.isEmpty)
            let (_, list) = try await p.get("/api/containers/jobs", as: Platform.admin)
            #expect(list["jobs"]?.arrayValue?.isEmpty == true)
        }
    }
}
