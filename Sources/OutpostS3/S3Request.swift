import Foundation
import HTTPTypes

/// A request as the S3 API reads it: path-style bucket and key, decoded query, headers.
struct S3Request: Sendable {
    let method: HTTPRequest.Method
    let headers: HTTPFields
    /// The Host header (HTTP/1 moves it into `:authority`).
    let host: String
    /// The decoded path, `/bucket/key`.
    let path: String
    /// Decoded query parameters in order; a parameter without `=` has an empty value.
    let query: [(String, String)]
    let bucket: String?
    let key: String?

    /// Parses the raw request target; throws InvalidURI for bad escapes or non-UTF-8 paths.
    init(method: HTTPRequest.Method, target: String, host: String, headers: HTTPFields) throws {
        self.method = method
        self.headers = headers
        self.host = host
        let rawPath: Substring
        let rawQuery: Substring?
        if let q = target.firstIndex(of: "?") {
            rawPath = target[..<q]
            rawQuery = target[target.index(after: q)...]
        } else {
            rawPath = target[...]
            rawQuery = nil
        }
        guard let pathBytes = Self.percentDecode(rawPath), let path = String(validating: pathBytes, as: UTF8.self), path.hasPrefix("/") else {
            throw S3Error.invalidURI
        }
        self.path = path
        var query: [(String, String)] = []
        for item in (rawQuery ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let nameBytes = Self.percentDecode(parts[0]), let name = String(validating: nameBytes, as: UTF8.self),
                  let valueBytes = Self.percentDecode(parts.count > 1 ? parts[1] : ""), let value = String(validating: valueBytes, as: UTF8.self) else {
                throw S3Error.invalidURI
            }
            query.append((name, value))
        }
        self.query = query
        let trimmed = path.dropFirst()
        if trimmed.isEmpty {
            bucket = nil
            key = nil
        } else if let slash = trimmed.firstIndex(of: "/") {
            bucket = String(trimmed[..<slash])
            let k = String(trimmed[trimmed.index(after: slash)...])
            key = k.isEmpty ? nil : k
        } else {
            bucket = String(trimmed)
            key = nil
        }
    }

    subscript(query name: String) -> String? { query.first { $0.0 == name }?.1 }
    func has(_ name: String) -> Bool { query.contains { $0.0 == name } }

    func header(_ name: String) -> String? {
        guard let n = HTTPField.Name(name) else { return nil }
        return headers[n]
    }

    /// The values of a lowercase header name, as SigV4 signs them.
    func headerValues(_ name: String) -> [String] {
        if name == "host" { return [host] }
        guard let n = HTTPField.Name(name) else { return [] }
        return headers[values: n]
    }

    /// `%XX` decoding (not `+`, which S3 keeps literal in paths and which SDKs never send for spaces).
    static func percentDecode(_ s: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let c = it.next() {
            if c == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hi = hexValue(h), let lo = hexValue(l) else { return nil }
                out.append(hi << 4 | lo)
            } else {
                out.append(c)
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
