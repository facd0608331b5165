import Foundation
public import HTTPTypes

/// Options for `R2Bucket.get`.
public struct R2GetOptions: Sendable {
    /// Return the body only if these hold; otherwise `get` returns the object without a body.
    public var onlyIf: R2Conditional?
    public var range: R2Range?
    /// A `Range: bytes=…` header; used when `range` is nil.
    public var rangeHeader: String?

    public init(onlyIf: R2Conditional? = nil, range: R2Range? = nil, rangeHeader: String? = nil) {
        self.onlyIf = onlyIf
        self.range = range
        self.rangeHeader = rangeHeader
    }

    /// Conditions from If-Match/If-None-Match/If-Modified-Since/If-Unmodified-Since and the range
    /// from Range, as when Workers code passes `request.headers` for both.
    public init(headers: HTTPFields) {
        self.init(onlyIf: R2Conditional(headers: headers), rangeHeader: headers[.range])
    }
}

/// Options for `R2Bucket.put`.
public struct R2PutOptions: Sendable {
    /// Write only if these hold; otherwise `put` returns nil and writes nothing.
    public var onlyIf: R2Conditional?
    public var httpMetadata: R2HTTPMetadata?
    /// At most 8192 bytes of keys and values together.
    public var customMetadata: [String: String]?
    /// Expected digests as hex; the put fails with 10037 if the body does not match. Give at most one.
    public var md5: String?
    public var sha1: String?
    public var sha256: String?
    public var sha384: String?
    public var sha512: String?

    public init(
        onlyIf: R2Conditional? = nil, httpMetadata: R2HTTPMetadata? = nil, customMetadata: [String: String]? = nil,
        md5: String? = nil, sha1: String? = nil, sha256: String? = nil, sha384: String? = nil, sha512: String? = nil
    ) {
        self.onlyIf = onlyIf
        self.httpMetadata = httpMetadata
        self.customMetadata = customMetadata
        self.md5 = md5
        self.sha1 = sha1
        self.sha256 = sha256
        self.sha384 = sha384
        self.sha512 = sha512
    }
}

/// What `list` adds to each object besides its key, size, etag and dates.
public enum R2ListInclude: String, Sendable, Hashable, Codable {
    case httpMetadata
    case customMetadata
}

/// Options for `R2Bucket.list`.
public struct R2ListOptions: Sendable {
    /// 1…1000; default 1000. Objects and delimited prefixes both count.
    public var limit: Int?
    public var prefix: String?
    /// The `cursor` of the previous page.
    public var cursor: String?
    /// Group keys that share a prefix up to this string into `delimitedPrefixes`.
    public var delimiter: String?
    /// Start with the first key after this one (exclusive).
    public var startAfter: String?
    public var include: [R2ListInclude]

    public init(
        limit: Int? = nil, prefix: String? = nil, cursor: String? = nil, delimiter: String? = nil,
        startAfter: String? = nil, include: [R2ListInclude] = []
    ) {
        self.limit = limit
        self.prefix = prefix
        self.cursor = cursor
        self.delimiter = delimiter
        self.startAfter = startAfter
        self.include = include
    }
}

/// Options for `R2Bucket.createMultipartUpload`: metadata the completed object will carry.
public struct R2MultipartOptions: Sendable {
    public var httpMetadata: R2HTTPMetadata?
    public var customMetadata: [String: String]?

    public init(httpMetadata: R2HTTPMetadata? = nil, customMetadata: [String: String]? = nil) {
        self.httpMetadata = httpMetadata
        self.customMetadata = customMetadata
    }
}
