public import Foundation
public import HTTPTypes

/// An object's metadata, as returned by `head`, `put`, `list` and a `get` whose condition failed.
public struct R2Object: Sendable, Hashable {
    /// The object's key, as given to `put`.
    public let key: String
    /// A random id, new for every write of the key.
    public let version: String
    /// The whole object's size in bytes (not the range's).
    public let size: Int
    /// Hex MD5 of the body for a single-part upload; `md5(part md5s)-N` for a multipart one.
    public let etag: String
    /// When this version was written (millisecond precision).
    public let uploaded: Date
    public let httpMetadata: R2HTTPMetadata
    /// Arbitrary key-value pairs given to `put` or `createMultipartUpload`.
    public let customMetadata: [String: String]
    /// The bytes a `get` returned, when it asked for a range (or the whole object).
    public internal(set) var range: R2Range?
    /// MD5 for single-part objects, plus any digest the `put` verified.
    public let checksums: R2Checksums

    /// `etag` in quotes, ready for an `ETag` header.
    public var httpEtag: String { "\"\(etag)\"" }
    /// Always `Standard`: there is no infrequent-access tier here.
    public var storageClass: String { "Standard" }

    /// Writes the stored HTTP metadata (Content-Type, Cache-Control, Expires, …) into `headers`.
    public func writeHttpMetadata(to headers: inout HTTPFields) {
        httpMetadata.write(to: &headers)
    }
}

extension R2Object: Encodable {
    enum CodingKeys: String, CodingKey {
        case key, version, size, etag, httpEtag, uploaded, httpMetadata, customMetadata, range, checksums, storageClass
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(version, forKey: .version)
        try c.encode(size, forKey: .size)
        try c.encode(etag, forKey: .etag)
        try c.encode(httpEtag, forKey: .httpEtag)
        try c.encode(R2Object.iso8601(uploaded), forKey: .uploaded)
        try c.encode(httpMetadata, forKey: .httpMetadata)
        try c.encode(customMetadata, forKey: .customMetadata)
        try c.encodeIfPresent(range, forKey: .range)
        try c.encode(checksums, forKey: .checksums)
        try c.encode(storageClass, forKey: .storageClass)
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// The checksums stored with an object, as lowercase hex.
public struct R2Checksums: Sendable, Hashable, Codable {
    public var md5: String?
    public var sha1: String?
    public var sha256: String?
    public var sha384: String?
    public var sha512: String?

    public init(md5: String? = nil, sha1: String? = nil, sha256: String? = nil, sha384: String? = nil, sha512: String? = nil) {
        self.md5 = md5
        self.sha1 = sha1
        self.sha256 = sha256
        self.sha384 = sha384
        self.sha512 = sha512
    }
}
