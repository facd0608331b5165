import Foundation
import HTTPTypes
import Hummingbird

/// A bucket's CORS rules (`PutBucketCors`), kept as JSON beside its metadata, and the preflight
/// and response headers they produce.
struct S3CORS: Codable, Sendable {
    struct Rule: Codable, Sendable {
        var allowedOrigins: [String]
        var allowedMethods: [String]
        var allowedHeaders: [String]
        var exposeHeaders: [String]
        var maxAgeSeconds: Int?
    }

    var rules: [Rule]

    init(xml root: S3XMLElement) throws {
        guard root.name == "CORSConfiguration" else { throw S3Error.malformedXML("the root element must be CORSConfiguration") }
        let rules = root.all("CORSRule")
        guard !rules.isEmpty, rules.count <= 100 else { throw S3Error.malformedXML("give 1 to 100 CORSRule elements") }
        self.rules = try rules.map { e in
            let methods = e.all("AllowedMethod").map(\.text)
            guard !methods.isEmpty, methods.allSatisfy({ ["GET", "PUT", "POST", "DELETE", "HEAD"].contains($0) }) else {
                throw S3Error.invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is \(methods.first { !["GET", "PUT", "POST", "DELETE", "HEAD"].contains($0) } ?? "none")")
            }
            let origins = e.all("AllowedOrigin").map(\.text)
            guard !origins.isEmpty else { throw S3Error.malformedXML("a CORSRule needs an AllowedOrigin") }
            return Rule(allowedOrigins: origins, allowedMethods: methods, allowedHeaders: e.all("AllowedHeader").map(\.text),
                        exposeHeaders: e.all("ExposeHeader").map(\.text), maxAgeSeconds: e.child("MaxAgeSeconds").flatMap { Int($0.text) })
        }
    }

    func xml() -> String {
        var w = S3XMLWriter()
        w.group("CORSConfiguration") { w in
            for rule in rules {
                w.group("CORSRule") { w in
                    for o in rule.allowedOrigins { w.element("AllowedOrigin", o) }
                    for m in rule.allowedMethods { w.element("AllowedMethod", m) }
                    for h in rule.allowedHeaders { w.element("AllowedHeader", h) }
                    for h in rule.exposeHeaders { w.element("ExposeHeader", h) }
                    if let age = rule.maxAgeSeconds { w.element("MaxAgeSeconds", age) }
                }
            }
        }
        return w.text
    }

    static func path(_ buckets: S3BucketRegistry, _ name: String) -> String { buckets.root + "/" + name + "/cors.json" }

    static func load(_ buckets: S3BucketRegistry, _ name: String) -> S3CORS? {
        guard buckets.exists(name), let data = FileManager.default.contents(atPath: path(buckets, name)) else { return nil }
        return try? JSONDecoder().decode(S3CORS.self, from: data)
    }

    func save(_ buckets: S3BucketRegistry, _ name: String) throws {
        let p = Self.path(buckets, name)
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: p), options: .atomic)
    }

    static func delete(_ buckets: S3BucketRegistry, _ name: String) {
        try? FileManager.default.removeItem(atPath: path(buckets, name))
    }

    /// The first rule allowing `origin`, `method` and every requested header.
    func match(origin: String, method: String, headers: [String]) -> Rule? {
        rules.first { rule in
            rule.allowedOrigins.contains { Self.glob($0, origin) }
                && rule.allowedMethods.contains(method.uppercased())
                && headers.allSatisfy { h in rule.allowedHeaders.contains { Self.glob($0.lowercased(), h.lowercased()) } }
        }
    }

    /// `*` matches any run of characters (one `*` at most, as S3 allows).
    static func glob(_ pattern: String, _ text: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let head = pattern[..<star], tail = pattern[pattern.index(after: star)...]
        return text.count >= head.count + tail.count && text.hasPrefix(head) && text.hasSuffix(tail)
    }

    static func apply(_ rule: Rule, origin: String, to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = rule.allowedOrigins.contains("*") ? "*" : origin
        if !rule.exposeHeaders.isEmpty { headers[.accessControlExposeHeaders] = rule.exposeHeaders.joined(separator: ", ") }
        headers[.vary] = "Origin"
    }

    /// Answers an `OPTIONS` preflight from the bucket's rules; 403 when none allows it.
    static func preflight(_ r: S3Request, buckets: S3BucketRegistry) throws -> Hummingbird.Response {
        guard let bucket = r.bucket else { throw S3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.") }
        guard let origin = r.header("origin"), let method = r.header("access-control-request-method") else {
            throw S3Error("BadRequest", 400, "Insufficient information. Origin request header needed.")
        }
        guard buckets.exists(bucket) else { throw S3Error.noSuchBucket(bucket) }
        let requested = (r.header("access-control-request-headers") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let config = load(buckets, bucket), let rule = config.match(origin: origin, method: method, headers: requested) else {
            throw S3Error("AccessForbidden", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
        }
        var headers = HTTPFields()
        apply(rule, origin: origin, to: &headers)
        headers[.accessControlAllowMethods] = rule.allowedMethods.joined(separator: ", ")
        if !requested.isEmpty { headers[.accessControlAllowHeaders] = requested.joined(separator: ", ") }
        if let age = rule.maxAgeSeconds { headers[.accessControlMaxAge] = String(age) }
        return S3API.empty(.ok, headers: headers)
    }
}
