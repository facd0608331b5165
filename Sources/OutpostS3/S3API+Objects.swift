import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Outpost

extension S3API {
    // MARK: GetObject / HeadObject

    func getObject(_ r: S3Request, _ bucket: R2Bucket, key: String, head: Bool) async throws -> Hummingbird.Response {
        if r.has("partNumber") { throw S3Error.notImplemented("partNumber on GetObject") }
        let conditional = ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"].contains { r.header($0) != nil }
        if !head && !conditional && r.header("range") == nil {
            // The common case needs one read of the metadata.
            guard let found = try await bucket.get(key) else { throw S3Error.noSuchKey(key) }
            var headers = HTTPFields()
            Self.writeObjectHeaders(found.object, into: &headers, request: r)
            for (name, value) in Self.responseOverrides(r) { headers[name] = value }
            headers[.contentLength] = String(found.object.size)
            return Hummingbird.Response(status: .ok, headers: headers, body: found.object.size == 0 ? ResponseBody() : ResponseBody(asyncSequence: found.body))
        }
        // Conditions first, then the range, as S3 orders them; a HEAD reads no body.
        guard let object = try await bucket.head(key) else { throw S3Error.noSuchKey(key) }
        if let failure = Self.conditionFailure(r, object, isRead: true) {
            if failure == 304 {
                return Self.empty(.notModified, headers: [.eTag: object.httpEtag, .lastModified: S3Dates.http(object.uploaded)])
            }
            throw S3Error.preconditionFailed
        }
        let range = try r.header("range").flatMap { object.size > 0 ? try Self.resolveRange($0, size: object.size) : nil }
        var headers = HTTPFields()
        Self.writeObjectHeaders(object, into: &headers, request: r)
        for (name, value) in Self.responseOverrides(r) { headers[name] = value }
        headers[.contentLength] = String(range?.length ?? object.size)
        if let range { headers[.contentRange] = "bytes \(range.start)-\(range.start + range.length - 1)/\(object.size)" }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        if head { return Hummingbird.Response(status: status, headers: headers, body: ResponseBody()) }
        // Pinned to the etag just read: a concurrent overwrite answers as if it came first.
        let options = R2GetOptions(onlyIf: R2Conditional(etagMatches: object.etag), range: range.map { R2Range(offset: $0.start, length: $0.length) })
        guard let found = try await bucket.get(key, options: options)?.objectBody else { throw S3Error.noSuchKey(key) }
        if object.size == 0 { return Hummingbird.Response(status: status, headers: headers, body: ResponseBody()) }
        return Hummingbird.Response(status: status, headers: headers, body: ResponseBody(asyncSequence: found.body))
    }

    /// Range as R2 reads it: nil for a header it ignores; InvalidRange past the end.
    static func resolveRange(_ header: String, size: Int) throws -> (start: Int, length: Int)? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = text.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let n = Int(last) else { return nil }
            guard n > 0 else { throw S3Error("InvalidRange", 416, "The requested range is not satisfiable", details: [("ActualObjectSize", String(size))]) }
            return (size - min(n, size), min(n, size))
        }
        guard let start = Int(first), start >= 0 else { return nil }
        guard start < size else { throw S3Error("InvalidRange", 416, "The requested range is not satisfiable", details: [("ActualObjectSize", String(size))]) }
        if last.isEmpty { return (start, size - start) }
        guard let end = Int(last), end >= start else { return nil }
        return (start, min(end, size - 1) - start + 1)
    }

    /// `response-content-type` and friends on a (usually presigned) GET.
    static func responseOverrides(_ r: S3Request) -> [(HTTPField.Name, String)] {
        let map: [(String, HTTPField.Name)] = [
            ("response-content-type", .contentType), ("response-content-language", .contentLanguage),
            ("response-expires", .expires), ("response-cache-control", .cacheControl),
            ("response-content-disposition", .contentDisposition), ("response-content-encoding", .contentEncoding),
        ]
        return map.compactMap { q, h in r[query: q].map { (h, $0) } }
    }

    /// 412 or 304 when a read's or write's conditional headers fail, as RFC 9110 orders them.
    static func conditionFailure(_ r: S3Request, _ object: R2Object?, isRead: Bool, prefix: String = "") -> Int? {
        let state = object.map { (etag: $0.etag, uploadedMilliseconds: Int64(($0.uploaded.timeIntervalSince1970 * 1000).rounded(.down))) }
        if let ifMatch = r.header(prefix + "if-match") {
            if !R2Conditional(etagMatches: ifMatch).holds(for: state) { return 412 }
        } else if let since = r.header(prefix + "if-unmodified-since").flatMap(S3Dates.parseHTTP), object != nil {
            if !R2Conditional(uploadedBefore: since.addingTimeInterval(1), secondsGranularity: true).holds(for: state) { return 412 }
        }
        if let ifNoneMatch = r.header(prefix + "if-none-match") {
            if !R2Conditional(etagDoesNotMatch: ifNoneMatch).holds(for: state) { return isRead && prefix.isEmpty ? 304 : 412 }
        } else if let since = r.header(prefix + "if-modified-since").flatMap(S3Dates.parseHTTP), object != nil {
            if !R2Conditional(uploadedAfter: since, secondsGranularity: true).holds(for: state) { return isRead && prefix.isEmpty ? 304 : 412 }
        }
        return nil
    }

    static func writeObjectHeaders(_ o: R2Object, into headers: inout HTTPFields, request r: S3Request) {
        o.writeHttpMetadata(to: &headers)
        if headers[.contentType] == nil { headers[.contentType] = "application/octet-stream" }
        headers[.eTag] = o.httpEtag
        headers[.lastModified] = S3Dates.http(o.uploaded)
        headers[.acceptRanges] = "bytes"
        for (name, value) in o.customMetadata.sorted(by: { $0.key < $1.key }) {
            if let n = HTTPField.Name("x-amz-meta-" + name) { headers[n] = value }
        }
        if r.header("x-amz-checksum-mode")?.uppercased() == "ENABLED" {
            if let sha256 = o.checksums.sha256, let bytes = Self.unhex(sha256) { headers[.init("x-amz-checksum-sha256")!] = Data(bytes).base64EncodedString() }
            if let sha1 = o.checksums.sha1, let bytes = Self.unhex(sha1) { headers[.init("x-amz-checksum-sha1")!] = Data(bytes).base64EncodedString() }
        }
    }

    static func unhex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            guard let b = UInt8(String(decoding: u[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }

    // MARK: PutObject

    /// Content-Type & co. and `x-amz-meta-*` from request headers; `aws-chunked` is framing, not metadata.
    static func metadata(_ r: S3Request) throws -> (R2HTTPMetadata, [String: String]) {
        var http = R2HTTPMetadata(headers: r.headers)
        if let encoding = http.contentEncoding {
            let kept = encoding.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.lowercased() != "aws-chunked" && !$0.isEmpty }
            http.contentEncoding = kept.isEmpty ? nil : kept.joined(separator: ",")
        }
        var custom: [String: String] = [:]
        for field in r.headers where field.name.canonicalName.hasPrefix("x-amz-meta-") {
            custom[String(field.name.canonicalName.dropFirst("x-amz-meta-".count))] = field.value
        }
        let size = custom.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard size <= R2Limits.maxCustomMetadataBytes else {
            throw S3Error("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
        }
        return (http, custom)
    }

    /// Streams a verified body into R2; nil when a condition failed.
    static func storeBody<T>(_ r: S3Request, payload: S3PayloadMode, body: RequestBody,
                             write: (Body, S3PayloadExpectations) async throws -> T) async throws -> (T, S3PayloadOutcome) {
        let e = try expectations(r, payload: payload)
        if let length = e.length, Int64(length) > R2Limits.maxUploadBytes {
            throw S3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.")
        }
        let outcome = NIOLockedValueBox(S3PayloadOutcome())
        let stream = S3PayloadStream(base: body, expectations: e, outcome: outcome)
        let written = try await write(Body(stream: stream, length: e.length), e)
        return (written, outcome.withLockedValue { $0 })
    }

    func putObject(_ r: S3Request, _ bucket: R2Bucket, key: String, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        let (http, custom) = try Self.metadata(r)
        var onlyIf: R2Conditional?
        if r.header("if-match") != nil || r.header("if-none-match") != nil {
            onlyIf = R2Conditional(etagMatches: r.header("if-match"), etagDoesNotMatch: r.header("if-none-match"))
        }
        let stored = try await Self.storeBody(r, payload: payload, body: body) { body, e in
            var options = R2PutOptions(onlyIf: onlyIf, httpMetadata: http, customMetadata: custom)
            // SHA-1 and SHA-256 given up front are stored with the object, as the binding stores them.
            if let (algorithm, expected) = e.checksum, let expected, let bytes = Data(base64Encoded: expected) {
                if algorithm == .sha256 { options.sha256 = SigV4.hex(bytes) }
                if algorithm == .sha1 { options.sha1 = SigV4.hex(bytes) }
            }
            return try await bucket.put(key, body: body, options: options)
        }
        guard let object = stored.0 else { throw S3Error.preconditionFailed }
        let outcome = stored.1
        var headers: HTTPFields = [.eTag: object.httpEtag]
        if let (algorithm, value) = outcome.checksum { headers[.init(algorithm.headerName)!] = value }
        return Self.empty(.ok, headers: headers)
    }

    // MARK: CopyObject

    /// `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded.
    func copySource(_ r: S3Request, principal: S3Principal) throws -> (R2Bucket, String) {
        guard var text = r.header("x-amz-copy-source") else { throw S3Error.invalidArgument("x-amz-copy-source is missing.") }
        if let q = text.firstIndex(of: "?") { text = String(text[..<q]) }
        guard let bytes = S3Request.percentDecode(Substring(text)), var decoded = String(validating: bytes, as: UTF8.self) else { throw S3Error.invalidArgument("x-amz-copy-source is not valid.") }
        if decoded.hasPrefix("/") { decoded.removeFirst() }
        guard let slash = decoded.firstIndex(of: "/") else { throw S3Error.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey.") }
        let bucketName = String(decoded[..<slash])
        let key = String(decoded[decoded.index(after: slash)...])
        guard !key.isEmpty else { throw S3Error.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey.") }
        try Self.validate(key: key)
        guard principal.allows(bucket: bucketName) else { throw S3Error.accessDenied }
        return (try openBucket(bucketName), key)
    }

    /// The source object with its body (a range of it for UploadPartCopy), after the copy conditions.
    func readCopySource(_ r: S3Request, principal: S3Principal, range: String? = nil) async throws -> R2ObjectBody {
        let (source, sourceKey) = try copySource(r, principal: principal)
        guard let head = try await source.head(sourceKey) else { throw S3Error.noSuchKey(sourceKey) }
        if Self.conditionFailure(r, head, isRead: false, prefix: "x-amz-copy-source-") != nil { throw S3Error.preconditionFailed }
        var rangeHeader: String?
        if let range {
            guard let resolved = try Self.resolveRange(range, size: head.size) else { throw S3Error.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last.") }
            rangeHeader = "bytes=\(resolved.start)-\(resolved.start + resolved.length - 1)"
        }
        guard let result = try await source.get(sourceKey, options: R2GetOptions(onlyIf: R2Conditional(etagMatches: head.etag), rangeHeader: rangeHeader)),
              let found = result.objectBody else { throw S3Error.noSuchKey(sourceKey) }
        return found
    }

    func copyObject(_ r: S3Request, _ bucket: R2Bucket, key: String, principal: S3Principal) async throws -> Hummingbird.Response {
        let source = try await readCopySource(r, principal: principal)
        let directive = (r.header("x-amz-metadata-directive") ?? "COPY").uppercased()
        guard directive == "COPY" || directive == "REPLACE" else { throw S3Error.invalidArgument("Unknown metadata directive \(directive).") }
        var options = R2PutOptions()
        if directive == "REPLACE" {
            let (http, custom) = try Self.metadata(r)
            options.httpMetadata = http
            options.customMetadata = custom
        } else {
            options.httpMetadata = source.object.httpMetadata
            options.customMetadata = source.object.customMetadata
        }
        guard let object = try await bucket.put(key, body: Body(stream: source.body, length: source.object.size), options: options) else {
            throw S3Error.preconditionFailed
        }
        var w = S3XMLWriter()
        w.group("CopyObjectResult") { w in
            w.element("LastModified", S3Dates.iso8601(object.uploaded))
            w.element("ETag", object.httpEtag)
        }
        return Self.xml(w.text)
    }

    // MARK: DeleteObjects

    func deleteObjects(_ r: S3Request, _ bucket: R2Bucket, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        let root = try S3XMLElement.parse(try await Self.collect(r, payload: payload, body: body))
        guard root.name == "Delete" else { throw S3Error.malformedXML("the root element must be Delete") }
        let objects = root.all("Object")
        guard !objects.isEmpty, objects.count <= 1000 else { throw S3Error.malformedXML("give 1 to 1000 objects") }
        let quiet = root.child("Quiet")?.text.lowercased() == "true"
        var deleted: [String] = []
        var failed: [(String, S3Error)] = []
        for o in objects {
            guard let key = o.child("Key")?.text else { throw S3Error.malformedXML("an Object without a Key") }
            do {
                guard !key.isEmpty else { throw S3Error.invalidObjectName("a key may not be empty") }
                try Self.validate(key: key)
                deleted.append(key)
            } catch let e as S3Error {
                failed.append((key, e))
            }
        }
        if !deleted.isEmpty { try await bucket.delete(deleted) }
        var w = S3XMLWriter()
        w.group("DeleteResult") { w in
            if !quiet {
                for key in deleted { w.group("Deleted") { $0.element("Key", key) } }
            }
            for (key, e) in failed {
                w.group("Error") { w in
                    w.element("Key", key)
                    w.element("Code", e.code)
                    w.element("Message", e.message)
                }
            }
        }
        return Self.xml(w.text)
    }
}

