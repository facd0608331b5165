import Crypto

/// A multipart upload in progress (`createMultipartUpload` / `resumeMultipartUpload`).
///
/// Parts are numbered 1…10000; every part but the last must be at least 5 MiB and all of them
/// the same size. `complete` joins the parts without copying them: the object reads them in turn.
public struct R2MultipartUpload: Sendable {
    public let key: String
    /// Pass to `resumeMultipartUpload` to continue from another request or process.
    public let uploadId: String
    let bucket: R2Bucket

    /// Streams `body` as part `partNumber`, replacing an earlier part with that number.
    public func uploadPart(_ partNumber: Int, _ body: Body) async throws -> R2UploadedPart {
        try await bucket.uploadPart(key: key, uploadID: uploadId, partNumber: partNumber, body: body)
    }

    /// Uploads `bytes` as part `partNumber`.
    public func uploadPart(_ partNumber: Int, bytes: [UInt8]) async throws -> R2UploadedPart {
        try await uploadPart(partNumber, Body(bytes: bytes))
    }

    /// Uploads `text` as part `partNumber`.
    public func uploadPart(_ partNumber: Int, _ text: String) async throws -> R2UploadedPart {
        try await uploadPart(partNumber, Body(text))
    }

    /// Drops the upload and its parts. Aborting again is fine.
    public func abort() async throws {
        try await bucket.abortUpload(key: key, uploadID: uploadId)
    }

    /// Joins `parts` (in part-number order) into the object `key`.
    @discardableResult
    public func complete(_ parts: [R2UploadedPart]) async throws -> R2Object {
        try await bucket.completeUpload(key: key, uploadID: uploadId, parts: parts)
    }
}

/// A part as `uploadPart` reports it and `complete` takes it.
public struct R2UploadedPart: Sendable, Hashable, Codable {
    public let partNumber: Int
    /// Hex MD5 of the part.
    public let etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }

    static func unquoted(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }

    /// `md5(concatenated binary part md5s)-N`.
    static func multipartEtag(_ partEtags: [String]) -> String {
        var md5 = Insecure.MD5()
        for e in partEtags { md5.update(data: R2IDs.unhex(e) ?? []) }
        return R2IDs.hex(md5.finalize()) + "-\(partEtags.count)"
    }
}
