import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Outpost

/// R2's S3-compatible API over the same stores as the R2 binding: routes a path-style request
/// to its operation after checking its signature and what its key may do.
struct S3API: Sendable {
    let buckets: S3BucketRegistry
    let authenticator: S3Authenticator
    let logger: Logger

    /// Largest XML body read into memory (DeleteObjects with 1000 long keys fits).
    static let maxXMLBody = 2 << 20

    func respond(to request: Hummingbird.Request) async -> Hummingbird.Response {
        let requestID = S3CredentialStore.randomHex(8).uppercased()
        let target = request.head.path ?? "/"
        var response: Hummingbird.Response
        var resource = target
        var origin: (String, S3CORS.Rule?)?
        do {
            let r = try S3Request(method: request.method, target: target, host: request.head.authority ?? "", headers: request.headers)
            resource = r.path
            if let o = r.header("origin"), let bucket = r.bucket {
                origin = (o, S3CORS.load(buckets, bucket)?.match(origin: o, method: r.method == .options ? (r.header("access-control-request-method") ?? "") : r.method.rawValue, headers: []))
            }
            if r.method == .options {
                response = try S3CORS.preflight(r, buckets: buckets)
            } else {
                let (principal, payload) = try authenticator.authenticate(r)
                response = try await route(r, principal: principal, payload: payload, body: request.body)
            }
        } catch let error as S3Error {
            response = Self.error(error, resource: resource, requestID: requestID, head: request.method == .head)
        } catch let error as R2Error {
            response = Self.error(error.s3Error, resource: resource, requestID: requestID, head: request.method == .head)
        } catch {
            logger.error("S3 \(request.method) \(target) failed: \(error)")
            response = Self.error(S3Error("InternalError", 500, "We encountered an internal error. Please try again."), resource: resource, requestID: requestID, head: request.method == .head)
        }
        response.headers[.init("x-amz-request-id")!] = requestID
        if let (o, rule) = origin, let rule, request.method != .options {
            S3CORS.apply(rule, origin: o, to: &response.headers)
        }
        return response
    }

    // MARK: routing

    private func route(_ r: S3Request, principal: S3Principal, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        guard let bucketName = r.bucket else {
            guard r.method == .get else { throw S3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.") }
            return listBuckets(principal)
        }
        let writes = r.method != .get && r.method != .head
        guard principal.allows(bucket: bucketName), !(writes && principal.readOnly) else { throw S3Error.accessDenied }
        if let unsupported = Self.unsupportedSubresources.first(where: r.has) {
            throw S3Error.notImplemented("?\(unsupported)")
        }
        guard let key = r.key else {
            return try await bucketOperation(r, bucketName, principal: principal, payload: payload, body: body)
        }
        try Self.validate(key: key)
        let bucket = try openBucket(bucketName)
        switch r.method {
        case .get:
            if let uploadID = r[query: "uploadId"] { return try listParts(r, bucket, key: key, uploadID: uploadID) }
            return try await getObject(r, bucket, key: key, head: false)
        case .head:
            return try await getObject(r, bucket, key: key, head: true)
        case .put:
            if let uploadID = r[query: "uploadId"] {
                if r.header("x-amz-copy-source") != nil {
                    return try await uploadPartCopy(r, bucket, key: key, uploadID: uploadID, principal: principal)
                }
                return try await uploadPart(r, bucket, key: key, uploadID: uploadID, payload: payload, body: body)
            }
            if r.header("x-amz-copy-source") != nil { return try await copyObject(r, bucket, key: key, principal: principal) }
            return try await putObject(r, bucket, key: key, payload: payload, body: body)
        case .delete:
            if let uploadID = r[query: "uploadId"] {
                try await bucket.resumeMultipartUpload(key, uploadId: uploadID).abort()
                return Self.empty(.noContent)
            }
            try await bucket.delete(key)
            return Self.empty(.noContent)
        case .post:
            if r.has("uploads") { return try await createMultipartUpload(r, bucket, key: key) }
            if let uploadID = r[query: "uploadId"] {
                return try await completeMultipartUpload(r, bucket, key: key, uploadID: uploadID, payload: payload, body: body)
            }
            throw S3Error.notImplemented("POST on an object")
        default:
            throw S3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
        }
    }

    private func bucketOperation(_ r: S3Request, _ name: String, principal: S3Principal, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        switch r.method {
        case .head:
            guard buckets.exists(name) else { throw S3Error.noSuchBucket(name) }
            return Self.empty(.ok)
        case .put:
            if r.has("cors") { return try await putBucketCors(r, name, payload: payload, body: body) }
            return try await createBucket(r, name, payload: payload, body: body)
        case .delete:
            if r.has("cors") {
                guard buckets.exists(name) else { throw S3Error.noSuchBucket(name) }
                S3CORS.delete(buckets, name)
                return Self.empty(.noContent)
            }
            try buckets.delete(name)
            return Self.empty(.noContent)
        case .get:
            guard buckets.exists(name) else { throw S3Error.noSuchBucket(name) }
            if r.has("location") {
                var w = S3XMLWriter()
                w.element("LocationConstraint", "auto")
                return Self.xml(w.text)
            }
            if r.has("cors") { return try getBucketCors(name) }
            if r.has("uploads") { return try listMultipartUploads(r, try openBucket(name)) }
            if r.has("versioning") {
                var w = S3XMLWriter()
                w.open("VersioningConfiguration")
                w.close("VersioningConfiguration")
                return Self.xml(w.text)
            }
            return try await listObjects(r, try openBucket(name), v2: r[query: "list-type"] == "2")
        case .post:
            if r.has("delete") { return try await deleteObjects(r, try openBucket(name), payload: payload, body: body) }
            throw S3Error.notImplemented("POST on a bucket")
        default:
            throw S3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
        }
    }

    /// Subresources R2 does not serve here: S3's NotImplemented.
    static let unsupportedSubresources = [
        "acl", "policy", "policyStatus", "lifecycle", "tagging", "website", "logging", "notification", "replication",
        "encryption", "object-lock", "ownershipControls", "publicAccessBlock", "accelerate", "requestPayment",
        "analytics", "metrics", "inventory", "intelligent-tiering", "retention", "legal-hold", "torrent", "attributes",
        "restore", "select", "versionId", "versions",
    ]

    // MARK: helpers

    func openBucket(_ name: String) throws -> R2Bucket {
        guard let store = try buckets.store(name) else { throw S3Error.noSuchBucket(name) }
        return R2Bucket(store: store)
    }

    /// Keys the S3 API accepts: at most 1024 bytes of UTF-8, no NUL, no `.` or `..` segment.
    static func validate(key: String) throws {
        guard key.utf8.count <= R2Limits.maxKeyBytes else { throw S3Error.keyTooLong }
        guard !key.utf8.contains(0) else { throw S3Error.invalidObjectName("a key may not contain NUL") }
        guard !key.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) else {
            throw S3Error.invalidObjectName("a key may not have a \".\" or \"..\" segment")
        }
    }

    /// The expectations a body must meet, from the headers and the signature's payload mode.
    static func expectations(_ r: S3Request, payload: S3PayloadMode) throws -> S3PayloadExpectations {
        var e = S3PayloadExpectations(mode: payload)
        if e.isChunked {
            guard let decoded = r.header("x-amz-decoded-content-length").flatMap(Int.init), decoded >= 0 else {
                throw S3Error("MissingContentLength", 411, "You must provide the x-amz-decoded-content-length header with an aws-chunked body.")
            }
            e.length = decoded
        } else if let length = r.header("content-length") {
            guard let n = Int(length), n >= 0 else { throw S3Error.invalidArgument("Content-Length is not a number.") }
            e.length = n
        }
        if let md5 = r.header("content-md5") {
            guard let bytes = Data(base64Encoded: md5), bytes.count == 16 else { throw S3Error.invalidDigest("Content-MD5") }
            e.contentMD5 = md5
        }
        for algorithm in S3ChecksumAlgorithm.allCases {
            if let value = r.header(algorithm.headerName) {
                e.checksum = (algorithm, value)
            }
        }
        if e.checksum == nil, let trailer = r.header("x-amz-trailer") {
            guard let algorithm = S3ChecksumAlgorithm(header: trailer.trimmingCharacters(in: .whitespaces)) else {
                throw S3Error.invalidArgument("The x-amz-trailer \(trailer) is not a supported checksum.")
            }
            e.checksum = (algorithm, nil)
        }
        if e.checksum == nil, let name = r.header("x-amz-sdk-checksum-algorithm") ?? r.header("x-amz-checksum-algorithm"), let algorithm = S3ChecksumAlgorithm(name: name) {
            e.checksum = (algorithm, nil)
        }
        return e
    }

    /// Reads a small body (XML) after checking its signature and digests.
    static func collect(_ r: S3Request, payload: S3PayloadMode, body: RequestBody) async throws -> [UInt8] {
        let e = try expectations(r, payload: payload)
        if let length = e.length, length > maxXMLBody { throw S3Error("MaxMessageLengthExceeded", 400, "Your request was too big.") }
        let stream = S3PayloadStream(base: body, expectations: e, outcome: NIOLockedValueBox(S3PayloadOutcome()))
        var out: [UInt8] = []
        for try await chunk in stream {
            out += chunk.readableBytesView
            if out.count > maxXMLBody { throw S3Error("MaxMessageLengthExceeded", 400, "Your request was too big.") }
        }
        return out
    }

    static func xml(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Hummingbird.Response {
        var h = headers
        h[.contentType] = "application/xml"
        let buffer = ByteBuffer(string: text)
        h[.contentLength] = String(buffer.readableBytes)
        return Hummingbird.Response(status: status, headers: h, body: ResponseBody(byteBuffer: buffer))
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Hummingbird.Response {
        var h = headers
        if h[.contentLength] == nil { h[.contentLength] = "0" }
        return Hummingbird.Response(status: status, headers: h, body: ResponseBody())
    }

    static func error(_ e: S3Error, resource: String, requestID: String, head: Bool) -> Hummingbird.Response {
        let status = HTTPResponse.Status(code: e.status)
        if head || e.status == 304 { return empty(status) }
        return xml(e.xml(resource: resource, requestID: requestID), status: status)
    }
}
