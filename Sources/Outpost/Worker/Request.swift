public import HTTPTypes
public import NIOCore

/// An incoming HTTP request, shaped like the Workers `Request`.
public struct Request: Sendable {
    public var method: HTTPRequest.Method
    /// The absolute URL, as `request.url` in Workers.
    public var url: String {
        didSet { (path, query) = Self.pathAndQuery(of: url) }
    }
    public var headers: HTTPFields
    public var body: Body
    /// The path, without the query; percent-encoding kept. Read from `url` once, when it is set:
    /// every request's routing, metrics and access log ask for it.
    public private(set) var path: String
    /// The raw query string, without "?".
    public private(set) var query: String

    public init(method: HTTPRequest.Method = .get, url: String, headers: HTTPFields = [:], body: Body = .empty) {
        self.method = method
        self.url = url.hasPrefix("/") ? "http://localhost" + url : url
        self.headers = headers
        self.body = body
        (path, query) = Self.pathAndQuery(of: self.url)
    }

    /// Splits an absolute URL's path (from the first "/" after the authority; "/" when none) and
    /// query (after the first "?", up to "#"), scanning its UTF-8 bytes once.
    static func pathAndQuery(of url: String) -> (path: String, query: String) {
        let bytes = url.utf8
        var start = bytes.startIndex
        // Skip "scheme://authority", when there is a scheme.
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
           bytes[colon...].starts(with: "://".utf8) {
            start = bytes.index(colon, offsetBy: 3)
        }
        guard let slash = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else {
            return ("/", "")
        }
        let pathEnd = bytes[slash...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        let path = bytes[slash] == UInt8(ascii: "/") ? String(url[slash..<pathEnd]) : "/"
        guard pathEnd < bytes.endIndex, bytes[pathEnd] == UInt8(ascii: "?") else { return (path, "") }
        let queryStart = bytes.index(after: pathEnd)
        let queryEnd = bytes[queryStart...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        return (path, String(url[queryStart..<queryEnd]))
    }

    /// The decoded query parameters; the first value wins for repeated names.
    public var searchParams: QueryParameters { QueryParameters(query) }

    public func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    public var contentType: String? { headers[.contentType] }
}

/// Decoded `application/x-www-form-urlencoded` parameters.
public struct QueryParameters: Sendable, Sequence {
    public let pairs: [(String, String)]

    public init(_ query: String) {
        pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = QueryParameters.decode(kv[0])
            let value = kv.count > 1 ? QueryParameters.decode(kv[1]) : ""
            return (name, value)
        }
    }

    public subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    public func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    public func makeIterator() -> IndexingIterator<[(String, String)]> { pairs.makeIterator() }

    static func decode(_ s: Substring) -> String {
        // Most names and values hold nothing to decode: skip Foundation's two passes for them.
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(s) }
        let plusFixed = s.replacingOccurrences(of: "+", with: " ")
        return plusFixed.removingPercentEncoding ?? plusFixed
    }
}

import Foundation
