import Foundation
import HTTPTypes
import Hummingbird
import Outpost

extension S3API {
    func createMultipartUpload(_ r: S3Request, _ bucket: R2Bucket, key: String) async throws -> Hummingbird.Response {
        let (http, custom) = try Self.metadata(r)
        let upload = try await bucket.createMultipartUpload(key, options: R2MultipartOptions(httpMetadata: http.isEmpty ? nil : http, customMetadata: custom.isEmpty ? nil : custom))
        var w = S3XMLWriter()
        w.group("InitiateMultipartUploadResult") { w in
            w.element("Bucket", bucket.bucketName)
            w.element("Key", key)
            w.element("UploadId", upload.uploadId)
        }
        var headers = HTTPFields()
        if let algorithm = r.header("x-amz-checksum-algorithm") { headers[.init("x-amz-checksum-algorithm")!] = algorithm }
        return Self.xml(w.text, headers: headers)
    }

    static func partNumber(_ r: S3Request) throws -> Int {
        guard let text = r[query: "partNumber"], let n = Int(text), R2Limits.partNumbers.contains(n) else {
            throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
        }
        return n
    }

    func uploadPart(_ r: S3Request, _ bucket: R2Bucket, key: String, uploadID: String, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        let n = try Self.partNumber(r)
        let upload = bucket.resumeMultipartUpload(key, uploadId: uploadID)
        let (part, outcome) = try await Self.storeBody(r, payload: payload, body: body) { body, _ in
            try await upload.uploadPart(n, body)
        }
        var headers: HTTPFields = [.eTag: "\"\(part.etag)\""]
        if let (algorithm, value) = outcome.checksum { headers[.init(algorithm.headerName)!] = value }
        return Self.empty(.ok, headers: headers)
    }

    func uploadPartCopy(_ r: S3Request, _ bucket: R2Bucket, key: String, uploadID: String, principal: S3Principal) async throws -> Hummingbird.Response {
        let n = try Self.partNumber(r)
        let source = try await readCopySource(r, principal: principal, range: r.header("x-amz-copy-source-range"))
        let part = try await bucket.resumeMultipartUpload(key, uploadId: uploadID).uploadPart(n, Body(stream: source.body, length: source.object.range?.length))
        var w = S3XMLWriter()
        w.group("CopyPartResult") { w in
            w.element("LastModified", S3Dates.iso8601(Date()))
            w.element("ETag", "\"\(part.etag)\"")
        }
        return Self.xml(w.text)
    }

    func completeMultipartUpload(_ r: S3Request, _ bucket: R2Bucket, key: String, uploadID: String, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        let root = try S3XMLElement.parse(try await Self.collect(r, payload: payload, body: body))
        guard root.name == "CompleteMultipartUpload" else { throw S3Error.malformedXML("the root element must be CompleteMultipartUpload") }
        var parts: [R2UploadedPart] = []
        for p in root.all("Part") {
            guard let number = p.child("PartNumber").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }), let etag = p.child("ETag")?.text else {
                throw S3Error.malformedXML("each Part needs a PartNumber and an ETag")
            }
            if let last = parts.last, number <= last.partNumber {
                throw S3Error("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
            }
            parts.append(R2UploadedPart(partNumber: number, etag: etag.trimmingCharacters(in: .whitespaces)))
        }
        guard !parts.isEmpty else { throw S3Error.malformedXML("give at least one Part") }
        let object = try await bucket.resumeMultipartUpload(key, uploadId: uploadID).complete(parts)
        var w = S3XMLWriter()
        w.group("CompleteMultipartUploadResult") { w in
            w.element("Location", "/\(bucket.bucketName)/\(SigV4.uriEncode(key, encodeSlash: false))")
            w.element("Bucket", bucket.bucketName)
            w.element("Key", key)
            w.element("ETag", object.httpEtag)
        }
        return Self.xml(w.text)
    }

    func listParts(_ r: S3Request, _ bucket: R2Bucket, key: String, uploadID: String) throws -> Hummingbird.Response {
        guard let store = try buckets.store(bucket.bucketName), let (created, all) = try store.parts(uploadID: uploadID, key: key) else {
            throw S3Error("NoSuchUpload", 404, "The specified multipart upload does not exist.", details: [("UploadId", uploadID)])
        }
        let maxParts = min(r[query: "max-parts"].flatMap(Int.init) ?? 1000, 1000)
        let marker = r[query: "part-number-marker"].flatMap(Int.init) ?? 0
        let after = all.filter { $0.partNumber > marker }
        let page = after.prefix(max(maxParts, 0))
        let truncated = after.count > page.count
        var w = S3XMLWriter()
        w.group("ListPartsResult") { w in
            w.element("Bucket", bucket.bucketName)
            w.element("Key", key)
            w.element("UploadId", uploadID)
            w.element("PartNumberMarker", marker)
            if let last = page.last { w.element("NextPartNumberMarker", last.partNumber) }
            w.element("MaxParts", maxParts)
            w.element("IsTruncated", truncated)
            w.element("StorageClass", "STANDARD")
            for p in page {
                w.group("Part") { w in
                    w.element("PartNumber", p.partNumber)
                    w.element("LastModified", S3Dates.iso8601(created))
                    w.element("ETag", "\"\(p.etag)\"")
                    w.element("Size", p.size)
                }
            }
        }
        return Self.xml(w.text)
    }

    func listMultipartUploads(_ r: S3Request, _ bucket: R2Bucket) throws -> Hummingbird.Response {
        guard let store = try buckets.store(bucket.bucketName) else { throw S3Error.noSuchBucket(bucket.bucketName) }
        let prefix = r[query: "prefix"] ?? ""
        let maxUploads = min(r[query: "max-uploads"].flatMap(Int.init) ?? 1000, 1000)
        let keyMarker = r[query: "key-marker"] ?? ""
        let all = try store.pendingUploads(prefix: prefix).filter { keyMarker.isEmpty || Array($0.key.utf8).lexicographicallyPrecedes(Array(keyMarker.utf8)) == false && $0.key != keyMarker }
        let page = all.prefix(max(maxUploads, 0))
        var w = S3XMLWriter()
        w.group("ListMultipartUploadsResult") { w in
            w.element("Bucket", bucket.bucketName)
            w.element("KeyMarker", keyMarker)
            w.element("UploadIdMarker", "")
            if all.count > page.count, let last = page.last {
                w.element("NextKeyMarker", last.key)
                w.element("NextUploadIdMarker", last.uploadID)
            }
            w.element("Prefix", prefix)
            w.element("MaxUploads", maxUploads)
            w.element("IsTruncated", all.count > page.count)
            for u in page {
                w.group("Upload") { w in
                    w.element("Key", u.key)
                    w.element("UploadId", u.uploadID)
                    w.element("Initiated", S3Dates.iso8601(u.created))
                    w.element("StorageClass", "STANDARD")
                }
            }
        }
        return Self.xml(w.text)
    }
}
