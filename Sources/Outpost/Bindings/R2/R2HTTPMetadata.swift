public import Foundation
public import HTTPTypes

/// The HTTP headers stored with an object (`httpMetadata` in Workers).
public struct R2HTTPMetadata: Sendable, Hashable, Codable {
    public var contentType: String?
    public var contentLanguage: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var cacheControl: String?
    /// Written as `Expires`.
    public var cacheExpiry: Date?

    public init(
        contentType: String? = nil, contentLanguage: String? = nil, contentDisposition: String? = nil,
        contentEncoding: String? = nil, cacheControl: String? = nil, cacheExpiry: Date? = nil
    ) {
        self.contentType = contentType
        self.contentLanguage = contentLanguage
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.cacheControl = cacheControl
        self.cacheExpiry = cacheExpiry
    }

    /// Takes Content-Type, Content-Language, Content-Disposition, Content-Encoding, Cache-Control
    /// and Expires from request headers, as Workers does when `httpMetadata` is a `Headers`.
    public init(headers: HTTPFields) {
        self.init(
            contentType: headers[.contentType], contentLanguage: headers[.contentLanguage],
            contentDisposition: headers[.contentDisposition], contentEncoding: headers[.contentEncoding],
            cacheControl: headers[.cacheControl], cacheExpiry: headers[.expires].flatMap(R2HTTPDate.parse)
        )
    }

    public var isEmpty: Bool { self == R2HTTPMetadata() }

    /// Sets the headers this metadata holds.
    public func write(to headers: inout HTTPFields) {
        if let contentType { headers[.contentType] = contentType }
        if let contentLanguage { headers[.contentLanguage] = contentLanguage }
        if let contentDisposition { headers[.contentDisposition] = contentDisposition }
        if let contentEncoding { headers[.contentEncoding] = contentEncoding }
        if let cacheControl { headers[.cacheControl] = cacheControl }
        if let cacheExpiry { headers[.expires] = R2HTTPDate.format(cacheExpiry) }
    }
}

/// RFC 9110 HTTP dates (`Sun, 06 Nov 1994 08:49:37 GMT`).
enum R2HTTPDate {
    static func parse(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
