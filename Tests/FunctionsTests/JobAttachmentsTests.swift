import Durable
import Foundation
import Outpost
import OutpostTesting
import Testing

/// Jobs with attachments (`objectKey`/`objectKeys` parameters) on the test-only service: the
/// orchestrator streams the input and every named upload to the service as one multipart body,
/// and the service sees each as its own file, in order. Byte sums are computed here from the bytes
/// uploaded.
@Suite("Job attachments", .serialized)
struct JobAttachmentsTests {
    static func bytes(_ seed: Int, count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* seed &+ seed) } }
    static func sum(_ bytes: [UInt8]) -> Double { Double(bytes.reduce(UInt64(0)) { $0 + UInt64($1) }) }

    func upload(_ p: Platform, _ bytes: [UInt8], as caller: HTTPFields = Platform.alice) async throws -> String {
        var headers = caller
        headers[.contentType] = "application/octet-stream"
        let response = await p.t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: bytes))
        try #require(response.status == .created, "upload answered \(response.status)")
        return try #require(try await response.json()["key"]?.stringValue)
    }

    @Test("the input and each attachment reach the service as their own files, in the descriptor's and the list's order")
    func inputAndAttachmentsInOrder() async throws {
        try await ServiceRecipeTests.with { p in
            let files = [Self.bytes(3, count: 70_000), Self.bytes(5, count: 10), Self.bytes(7, count: 300_001), Self.bytes(11, count: 1)]
            var keys: [String] = []
            for file in files { keys.append(try await upload(p, file)) }
            // JSON with keys: `more` lists the last two in reverse.
            let job = try await p.finished("/api/fixture/compare", [
                "key": .string(keys[0]), "other": .string(keys[1]), "more": [.string(keys[3]), .string(keys[2])],
            ])
            #expect(job["status"] == "succeeded", "\(job)")
            let result = try #require(job["result"])
            #expect(result["input"]?["size"]?.intValue == files[0].count && result["input"]?["sum"]?.doubleValue == Self.sum(files[0]))
            #expect(result["attachments"]?["other"]?.arrayValue?.map { $0["sum"]?.doubleValue } == [Self.sum(files[1])])
            #expect(result["attachments"]?["more"]?.arrayValue?.map { $0["size"]?.intValue } == [files[3].count, files[2].count])
            #expect(result["attachments"]?["more"]?.arrayValue?.map { $0["sum"]?.doubleValue } == [Self.sum(files[3]), Self.sum(files[2])])

            // A raw upload with the keys in the query string (a list as comma-separated text); `more` left out.
            var headers = Platform.alice
            headers[.contentType] = "application/octet-stream"
            let raw = await p.t.dispatchFetch("/api/fixture/compare?wait=60&other=\(keys[2])", method: .post, headers: headers, body: Body(bytes: files[1]))
            let rawJob = try await p.ended(raw)
            #expect(rawJob["status"] == "succeeded", "\(rawJob)")
            #expect(rawJob["result"]?["input"]?["sum"]?.doubleValue == Self.sum(files[1]))
            #expect(rawJob["result"]?["attachments"]?["other"]?.arrayValue?.map { $0["size"]?.intValue } == [files[2].count])
            #expect(rawJob["result"]?["attachments"]?["more"] == nil)
            let listed = try await p.finished("/api/fixture/compare", [
                "key": .string(keys[0]), "other": .string(keys[3]), "more": .string("\(keys[1]), \(keys[0])"),
            ])
            #expect(listed["status"] == "succeeded", "\(listed)")
            #expect(listed["result"]?["attachments"]?["more"]?.arrayValue?.map { $0["size"]?.intValue } == [files[1].count, files[0].count])
        }
    }

    @Test("an input stored as multipart/form-data (with no attachments) still reaches the service as its bytes")
    func multipartTypedInputGoesAsBytes() async throws {
        try await ServiceRecipeTests.with { p in
            let bytes = Array("--x\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\nhello\r\n--x--\r\n".utf8)
            let options = R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: "multipart/form-data; boundary=x"), customMetadata: ["owner": "alice"])
            _ = try await p.t.env.r2("MEDIA").put("uploads/multipart-typed", bytes: bytes, options: options)
            let job = try await p.finished("/api/fixture/checksum", ["key": "uploads/multipart-typed"])
            #expect(job["status"] == "succeeded", "\(job)")
            #expect(job["result"]?["size"]?.intValue == bytes.count && job["result"]?["sum"]?.doubleValue == Self.sum(bytes))
        }
    }

    @Test("a key that is not an upload (or is another caller's) is a 400 at submit naming the parameter and the key; no job is made")
    func missingKeysAreRefusedAtSubmit() async throws {
        try await ServiceRecipeTests.with { p in
            let input = try await upload(p, Self.bytes(3, count: 100))
            let other = try await upload(p, Self.bytes(5, count: 100))
            let (missing, body) = try await p.post("/api/fixture/compare", ["key": .string(input), "other": .string(other), "more": [.string(other), "uploads/gone"]])
            #expect(missing == 400, "\(body)")
            let message = body["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("\"more\"") && message.contains("uploads/gone") && message.contains("POST /api/containers/uploads"), "\(message)")
            let bobs = try await upload(p, Self.bytes(7, count: 10), as: Platform.bob)
            let (foreign, foreignBody) = try await p.post("/api/fixture/compare", ["key": .string(input), "other": .string(bobs)])
            #expect(foreign == 400 && foreignBody.serialized().contains(bobs), "\(foreignBody)")
            let (batch, batchBody) = try await p.post("/api/containers/jobs/batch", ["jobs": [
                ["type": "fixture.compare", "input": ["key": .string(input)], "params": ["other": "uploads/gone"]],
            ]])
            #expect(batch == 400 && batchBody.serialized().contains("uploads/gone"), "\(batchBody)")
            let (badShape, shapeBody) = try await p.post("/api/fixture/compare", ["key": .string(input), "other": .string(other), "more": []])
            #expect(badShape == 400 && shapeBody.serialized().contains("1 to 3"), "\(shapeBody)")
            // A raw upload naming a missing key: refused before the upload is stored.
            var headers = Platform.alice
            headers[.contentType] = "application/octet-stream"
            let raw = await p.t.dispatchFetch("/api/fixture/compare?other=uploads/gone", method: .post, headers: headers, body: Body(bytes: [1, 2, 3]))
            let rawBody = try await raw.json()
            #expect(raw.status.code == 400 && rawBody.serialized().contains("uploads/gone"), "\(rawBody)")
            let (_, listed) = try await p.get("/api/containers/jobs?type=fixture.compare", as: Platform.admin)
            #expect(listed["jobs"]?.arrayValue?.isEmpty == true, "\(listed)")
        }
    }
}
