public import HTTPTypes
public import NIOCore

/// An incoming HTTP request, shaped like the Workers `Request`.
public struct Request: Sendable {
    public var method: HTTPRequest.Method
    /// The absolute URL, as `request.url` in Workers.
    public var url: String
    public var headers: HTTPFields
    public var body: Body

    public init(method: HTTPRequest.Method = .get, url: String, headers: HTTPFields = [:], body: Body = .empty) {
        self.method = method
        self.url = url.hasPrefix("/") ? "http://localhost" + url : url
        self.headers = headers
        self.body = body
    }

    /// The path, without the query; percent-encoding kept.
    public var path: String {
        let afterScheme = url.range(of: "://").map { url[$0.upperBound...] } ?? url[...]
        guard let slash = afterScheme.firstIndex(of: "/") else { return "/" }
        let rest = afterScheme[slash...]
        let end = rest.firstIndex { $0 == "?" || $0 == "#" } ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The raw query string, without "?".
    public var query: String {
        guard let q = url.firstIndex(of: "?") else { return "" }
        let rest = url[url.index(after: q)...]
        let end = rest.firstIndex(of: "#") ?? rest.endIndex
        return String(rest[..<end])
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
        let plusFixed = s.replacingOccurrences(of: "+", with: " ")
        return plusFixed.removingPercentEncoding ?? plusFixed
    }
}

import Foundation
