import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

@Suite("POST /api/containers/uploads")
struct UploadRouteTests {
    static let user: HTTPFields = [HTTPField.Name("X-API-Key")!: "user-key"]
    static let viewer: HTTPFields = [HTTPField.Name("X-API-Key")!: "viewer-key"]

    func with(_ vars: [String: String] = [:], _ body: @Sendable (TestRuntime) async throws -> Void) async throws {
        let secrets = ["API_KEYS": "alice:user:user-key, val:viewer:viewer-key"].merging(vars) { $1 }
        try await TestRuntime.with(config: PitcheyRoutesTests.repositoryConfig, script: Pitchey.script, vars: secrets, body)
    }

    func multipart(boundary: String, fields: [(name: String, filename: String?, type: String?, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = Array("preamble to ignore\r\n".utf8)
        for f in fields {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.name)\""
            if let filename = f.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let type = f.type { head += "Content-Type: \(type)\r\n" }
            out += Array((head + "\r\n").utf8) + f.data + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    /// A body delivered in small chunks, so the parser sees delimiters split across chunks.
    func chunked(_ bytes: [UInt8], size: Int = 7) -> Body {
        Body { writer in
            var i = 0
            while i < bytes.count {
                await writer.write(ByteBuffer(bytes: bytes[i..<min(i + size, bytes.count)]))
                i += size
            }
        }
    }

    @Test("a raw body is stored under the caller's prefix with its Content-Type")
    func rawUpload() async throws {
        try await with { t in
            var headers = Self.user
            headers[.contentType] = "video/mp4"
            let data = [UInt8]((0..<100_000).map { UInt8($0 % 251) })
            let r = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: data))
            #expect(r.status == .created)
            let json = try await r.json()
            let key = try #require(json["key"]?.stringValue)
            #expect(key.hasPrefix("uploads/alice/"))
            #expect(json["size"] == 100_000)
            let stored = try #require(try await t.env.r2("MEDIA").get(key))
            #expect(stored.object.httpMetadata.contentType == "video/mp4")
            #expect(stored.object.customMetadata["owner"] == "alice")
            #expect(json["etag"]?.stringValue == stored.object.etag)
            #expect(try await stored.body.bytes() == data)
        }
    }

    @Test("the multipart field `file` streams in, past other fields, with delimiters split across chunks")
    func multipartUpload() async throws {
        try await with { t in
            let boundary = "----outpost-boundary-7d1"
            // Content that contains a near-delimiter ("\r\n--" without the boundary) must survive intact.
            let content = Array("line one\r\n--not-the-boundary\r\n".utf8) + [UInt8](repeating: 0x2d, count: 5000) + [0, 13, 10]
            let body = multipart(boundary: boundary, fields: [
                ("title", nil, nil, Array("A title".utf8)),
                ("file", "../../etc/pass wd.mp4", "video/mp4", content),
                ("after", nil, nil, Array("ignored".utf8)),
            ])
            var headers = Self.user
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let r = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: chunked(body))
            #expect(r.status == .created)
            let json = try await r.json()
            let key = try #require(json["key"]?.stringValue)
            #expect(key.hasSuffix("/pass_wd.mp4"))
            #expect(!key.contains(".."))
            let stored = try #require(try await t.env.r2("MEDIA").get(key))
            #expect(stored.object.httpMetadata.contentType == "video/mp4")
            #expect(try await stored.body.bytes() == content)
        }
    }

    @Test("a large multipart body that arrives as one chunk, with no preamble, is read")
    func multipartOneChunk() async throws {
        try await with { t in
            let content = [UInt8]((0..<100_000).map { UInt8($0 % 253) })
            let body = Array(multipart(boundary: "b1", fields: [("file", "big.bin", "application/octet-stream", content)]).drop(while: { $0 != UInt8(ascii: "-") }))
            var headers = Self.user
            headers[.contentType] = "multipart/form-data; boundary=b1"
            let r = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: body))
            #expect(r.status == .created)
            let key = try #require(try await r.json()["key"]?.stringValue)
            #expect(try await t.env.r2("MEDIA").get(key)?.bytes() == content)
        }
    }

    @Test("bad uploads are 4xx and store nothing")
    func badUploads() async throws {
        try await with(["UPLOAD_MAX_BYTES": "1000"]) { t in
            let media = try t.env.r2("MEDIA")
            var headers = Self.user
            headers[.contentType] = "multipart/form-data; boundary=b"
            let noFile = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers,
                                               body: Body(bytes: multipart(boundary: "b", fields: [("other", nil, nil, [1, 2, 3])])))
            #expect(noFile.status == .badRequest)
            #expect(try await noFile.json()["error"]?["code"] == "missing_file")

            let garbage = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body("no boundary here"))
            #expect(garbage.status == .badRequest)
            #expect(try await garbage.json()["error"]?["code"] == "invalid_multipart")

            // Declared too large: refused before reading.
            let declared = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: Self.user, body: Body(bytes: [UInt8](repeating: 1, count: 1001)))
            #expect(declared.status.code == 413)
            // Streamed without a length: refused when the limit is crossed.
            let streamed = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: Self.user, body: chunked([UInt8](repeating: 1, count: 5000), size: 300))
            #expect(streamed.status.code == 413)
            #expect(try await streamed.json()["error"]?["message"] == "The upload exceeds the limit of 1000 bytes (UPLOAD_MAX_BYTES).")

            let empty = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: Self.user, body: .empty)
            #expect(empty.status == .badRequest)

            let viewer = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: Self.viewer, body: Body("x"))
            #expect(viewer.status == .forbidden)
            let anonymous = await t.dispatchFetch("/api/containers/uploads", method: .post, body: Body("x"))
            #expect(anonymous.status == .unauthorized)

            #expect(try await media.list().objects.isEmpty)
            let blobs = (try? FileManager.default.contentsOfDirectory(atPath: t.stateDirectory + "/r2/pitchey-media/blobs")) ?? []
            #expect(blobs.isEmpty, "leftover files: \(blobs)")
        }
    }
}
