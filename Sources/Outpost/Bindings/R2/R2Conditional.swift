public import Foundation
public import HTTPTypes

/// Conditions for `get` and `put` (`onlyIf` in Workers).
///
/// Etag strings may be bare (`2063c1…`), quoted, weak (`W/"…"`), `*`, or a comma-separated
/// list as in an `If-Match` header.
public struct R2Conditional: Sendable, Hashable {
    /// Proceed only if the object's etag is one of these (`If-Match`).
    public var etagMatches: String?
    /// Proceed only if the object's etag is none of these (`If-None-Match`).
    public var etagDoesNotMatch: String?
    /// Proceed only if the object was uploaded before this time (`If-Unmodified-Since`).
    public var uploadedBefore: Date?
    /// Proceed only if the object was uploaded after this time (`If-Modified-Since`).
    public var uploadedAfter: Date?
    /// Compare upload times in whole seconds (as HTTP dates do).
    public var secondsGranularity: Bool

    public init(
        etagMatches: String? = nil, etagDoesNotMatch: String? = nil,
        uploadedBefore: Date? = nil, uploadedAfter: Date? = nil, secondsGranularity: Bool = false
    ) {
        self.etagMatches = etagMatches
        self.etagDoesNotMatch = etagDoesNotMatch
        self.uploadedBefore = uploadedBefore
        self.uploadedAfter = uploadedAfter
        self.secondsGranularity = secondsGranularity
    }

    /// Reads If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since; nil when none is set.
    public init?(headers: HTTPFields) {
        let ifMatch = headers[.ifMatch]
        let ifNoneMatch = headers[.ifNoneMatch]
        let ifModifiedSince = headers[.ifModifiedSince].flatMap(R2HTTPDate.parse)
        let ifUnmodifiedSince = headers[.ifUnmodifiedSince].flatMap(R2HTTPDate.parse)
        guard ifMatch != nil || ifNoneMatch != nil || ifModifiedSince != nil || ifUnmodifiedSince != nil else { return nil }
        self.init(
            etagMatches: ifMatch, etagDoesNotMatch: ifNoneMatch,
            uploadedBefore: ifUnmodifiedSince, uploadedAfter: ifModifiedSince, secondsGranularity: true
        )
    }

    /// Whether an operation on `object` (nil when the key is missing) may proceed.
    package func holds(for object: (etag: String, uploadedMilliseconds: Int64)?) -> Bool {
        guard let object else {
            return etagMatches == nil && uploadedAfter == nil
        }
        let truncate: (Int64) -> Int64 = secondsGranularity ? { ($0 / 1000) * 1000 } : { $0 }
        let lastModified = truncate(object.uploadedMilliseconds)
        let ifMatch = etagMatches.map { Self.includes(Self.parseEtags($0), object.etag, weakComparison: false) } ?? true
        let ifNoneMatch = etagDoesNotMatch.map { !Self.includes(Self.parseEtags($0), object.etag, weakComparison: true) } ?? true
        let ifModifiedSince = uploadedAfter.map { truncate(Self.milliseconds($0)) < lastModified || (etagDoesNotMatch != nil && ifNoneMatch) } ?? true
        let ifUnmodifiedSince = uploadedBefore.map { lastModified < truncate(Self.milliseconds($0)) || (etagMatches != nil && ifMatch) } ?? true
        return ifMatch && ifNoneMatch && ifModifiedSince && ifUnmodifiedSince
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    enum Etag: Equatable {
        case wildcard
        case strong(String)
        case weak(String)
    }

    static func parseEtags(_ text: String) -> [Etag] {
        text.split(separator: ",").compactMap { raw in
            var s = raw.trimmingCharacters(in: .whitespaces)
            if s == "*" { return .wildcard }
            var weak = false
            if s.hasPrefix("W/") {
                weak = true
                s.removeFirst(2)
            }
            if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = String(s.dropFirst().dropLast()) }
            guard !s.isEmpty else { return nil }
            return weak ? .weak(s) : .strong(s)
        }
    }

    static func includes(_ etags: [Etag], _ etag: String, weakComparison: Bool) -> Bool {
        etags.contains { e in
            switch e {
            case .wildcard: true
            case .strong(let v): v == etag
            case .weak(let v): weakComparison && v == etag
            }
        }
    }
}
