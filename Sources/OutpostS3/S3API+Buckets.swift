import Foundation
import HTTPTypes
import Hummingbird
import Outpost

extension S3API {
    static let owner = (id: "outpost", displayName: "outpost")

    func listBuckets(_ principal: S3Principal) -> Hummingbird.Response {
        var w = S3XMLWriter()
        w.group("ListAllMyBucketsResult") { w in
            w.group("Owner") { w in
                w.element("ID", Self.owner.id)
                w.element("DisplayName", Self.owner.displayName)
            }
            w.group("Buckets") { w in
                for bucket in buckets.list() where principal.allows(bucket: bucket.name) {
                    w.group("Bucket") { w in
                        w.element("Name", bucket.name)
                        w.element("CreationDate", S3Dates.iso8601(bucket.created))
                    }
                }
            }
        }
        return Self.xml(w.text)
    }

    func createBucket(_ r: S3Request, _ name: String, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        let bytes = try await Self.collect(r, payload: payload, body: body)
        if !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            let root = try S3XMLElement.parse(bytes)
            guard root.name == "CreateBucketConfiguration" else { throw S3Error.malformedXML("the root element must be CreateBucketConfiguration") }
            if let location = root.child("LocationConstraint")?.text, !SigV4.regions.contains(location), !["wnam", "enam", "weur", "eeur", "apac", "oc"].contains(location) {
                throw S3Error("InvalidLocationConstraint", 400, "The specified location-constraint is not valid.")
            }
        }
        guard try buckets.create(name) else {
            throw S3Error("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.", details: [("BucketName", name)])
        }
        return Self.empty(.ok, headers: [.location: "/" + name])
    }

    // MARK: ListObjects / ListObjectsV2

    func listObjects(_ r: S3Request, _ bucket: R2Bucket, v2: Bool) async throws -> Hummingbird.Response {
        let urlEncoded: Bool
        switch r[query: "encoding-type"] {
        case nil: urlEncoded = false
        case "url": urlEncoded = true
        default: throw S3Error.invalidArgument("Invalid Encoding Method specified in Request")
        }
        var maxKeys = 1000
        if let text = r[query: "max-keys"] {
            guard let n = Int(text), n >= 0 else { throw S3Error.invalidArgument("Provided max-keys not an integer or within integer range") }
            maxKeys = min(n, R2Limits.maxListLimit)
        }
        let prefix = r[query: "prefix"] ?? ""
        let delimiter = r[query: "delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        let token = v2 ? r[query: "continuation-token"] : nil
        let startAfter = v2 ? r[query: "start-after"] : nil
        let marker = v2 ? nil : r[query: "marker"]
        var options = R2ListOptions(limit: max(maxKeys, 1), prefix: prefix.isEmpty ? nil : prefix, delimiter: delimiter, startAfter: startAfter)
        if let token, !token.isEmpty {
            guard let bytes = Data(base64Encoded: token), !bytes.isEmpty else { throw S3Error.invalidArgument("The continuation token provided is incorrect") }
            options.cursor = token
        }
        if let marker, !marker.isEmpty {
            // A marker that is a common prefix (a V1 NextMarker) skips the whole group.
            if let delimiter, marker.hasSuffix(delimiter), let next = KeyOrder.successor(of: Array(marker.utf8)) {
                options.cursor = Data(next).base64EncodedString()
            } else {
                options.startAfter = marker
            }
        }
        var page: (objects: [R2Object], delimitedPrefixes: [String], truncated: Bool, cursor: String?) = ([], [], false, nil)
        if maxKeys > 0 {
            do {
                let listed = try await bucket.list(options)
                page = (listed.objects, listed.delimitedPrefixes, listed.truncated, listed.cursor)
            } catch let e as R2Error where e.s3Code == "InvalidArgument" {
                throw S3Error.invalidArgument("The continuation token provided is incorrect")
            }
        }
        let enc: (String) -> String = urlEncoded ? { SigV4.uriEncode($0, encodeSlash: false) } : { $0 }
        var w = S3XMLWriter()
        w.group("ListBucketResult") { w in
            w.element("Name", bucket.bucketName)
            w.element("Prefix", enc(prefix))
            if v2 {
                w.element("ContinuationToken", token)
                w.element("NextContinuationToken", page.truncated ? page.cursor : nil)
                w.element("StartAfter", startAfter.map(enc))
                w.element("KeyCount", page.objects.count + page.delimitedPrefixes.count)
            } else {
                w.element("Marker", enc(marker ?? ""))
                if page.truncated {
                    let last = max(page.objects.last?.key ?? "", page.delimitedPrefixes.last ?? "")
                    w.element("NextMarker", enc(last))
                }
            }
            w.element("MaxKeys", maxKeys)
            w.element("Delimiter", delimiter.map(enc))
            if urlEncoded { w.element("EncodingType", "url") }
            w.element("IsTruncated", page.truncated)
            for o in page.objects {
                w.group("Contents") { w in
                    w.element("Key", enc(o.key))
                    w.element("LastModified", S3Dates.iso8601(o.uploaded))
                    w.element("ETag", o.httpEtag)
                    w.element("Size", o.size)
                    w.element("StorageClass", "STANDARD")
                    if !v2 || r[query: "fetch-owner"] == "true" {
                        w.group("Owner") { w in
                            w.element("ID", Self.owner.id)
                            w.element("DisplayName", Self.owner.displayName)
                        }
                    }
                }
            }
            for p in page.delimitedPrefixes {
                w.group("CommonPrefixes") { $0.element("Prefix", enc(p)) }
            }
        }
        return Self.xml(w.text)
    }


    // MARK: CORS

    func getBucketCors(_ name: String) throws -> Hummingbird.Response {
        guard let config = S3CORS.load(buckets, name) else {
            throw S3Error("NoSuchCORSConfiguration", 404, "The CORS configuration does not exist", details: [("BucketName", name)])
        }
        return Self.xml(config.xml())
    }

    func putBucketCors(_ r: S3Request, _ name: String, payload: S3PayloadMode, body: RequestBody) async throws -> Hummingbird.Response {
        guard buckets.exists(name) else { throw S3Error.noSuchBucket(name) }
        let config = try S3CORS(xml: S3XMLElement.parse(try await Self.collect(r, payload: payload, body: body)))
        try config.save(buckets, name)
        return Self.empty(.ok)
    }
}
