import Foundation
import Durable
import Outpost

/// `POST /api/containers/uploads`: a raw body (with its Content-Type) or the multipart field
/// `file`, streamed into the MEDIA bucket → 201 `{"key", "size", "etag"}`.
enum UploadRoute {
    /// `UPLOAD_MAX_BYTES`, default 2 GiB.
    static func limit(_ env: Env) -> Int { Int(env["UPLOAD_MAX_BYTES"] ?? "") ?? (2 << 30) }

    static func handle(_ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        let object = try await store(request, ctx: ctx)
        return .json(["key": .string(object.key), "size": .number(Double(object.size)), "etag": .string(object.etag)] as JSONValue, status: .created)
    }

    /// Streams the upload in `request` (raw, or the multipart field `file`) into MEDIA under
    /// `uploads/<caller>/<uuid>/<filename>`. Other multipart fields before `file` are skipped.
    static func store(_ request: Request, ctx: APIContext) async throws -> R2Object {
        let maxBytes = limit(ctx.env)
        if let declared = request.body.knownLength, declared > maxBytes {
            throw UploadTooLarge(limit: maxBytes)
        }
        let media = try ctx.env.r2("MEDIA")

        var filename = "upload"
        var contentType = request.contentType ?? "application/octet-stream"
        var content = request.body
        if request.multipartBoundary != nil {
            guard let file = try await request.multipartFile(named: "file") else {
                throw HTTPFailure.badRequest("The multipart body has no field named \"file\".", code: "missing_file")
            }
            filename = file.filename.map(sanitize) ?? filename
            contentType = file.contentType ?? "application/octet-stream"
            content = file.body
        }
        if content.knownLength == 0 {
            throw HTTPFailure.badRequest("The upload is empty.", code: "empty_upload")
        }
        let key = UserDataset.uploadsPrefix(ctx.caller.id) + "\(UUID().uuidString.lowercased())/\(filename)"
        let limited = Body(stream: LimitedStream(base: content, limit: maxBytes))
        let object: R2Object?
        do {
            object = try await media.put(key, body: limited, options: R2PutOptions(
                httpMetadata: R2HTTPMetadata(contentType: contentType),
                customMetadata: ["owner": ctx.caller.id, "filename": filename]
            ))
        } catch is UploadTooLarge {
            throw UploadTooLarge(limit: maxBytes)
        }
        guard let object else { throw HTTPFailure(500, code: "upload_failed", "The upload was not stored.") }
        if object.size == 0 {
            try await media.delete(key)
            throw HTTPFailure.badRequest("The upload is empty.", code: "empty_upload")
        }
        return object
    }

    /// Keeps a name to letters, digits, `.`, `-` and `_`, so it is safe in a key and a header.
    static func sanitize(_ name: String) -> String {
        let base = (name as NSString).lastPathComponent
        let cleaned = String(base.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) ? Character($0) : "_" })
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return trimmed.isEmpty ? "upload" : String(trimmed.prefix(200))
    }
}

/// 413 for an upload over `UPLOAD_MAX_BYTES`.
struct UploadTooLarge: HTTPError {
    let limit: Int
    var status: Int { 413 }
    var code: String { "payload_too_large" }
    var message: String { "The upload exceeds the limit of \(limit) bytes (UPLOAD_MAX_BYTES)." }
}

/// Passes chunks through, failing with `UploadTooLarge` once more than `limit` bytes went by.
struct LimitedStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: Body
    let limit: Int

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), limit: limit) }

    struct Iterator: AsyncIteratorProtocol {
        var base: Body.Iterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw UploadTooLarge(limit: limit) }
            return chunk
        }
    }
}
