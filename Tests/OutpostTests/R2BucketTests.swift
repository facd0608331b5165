import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("R2 bucket: put, get, head, delete, conditionals, ranges, limits")
struct R2BucketTests {
    @Test("put/get/head/delete round trip with Cloudflare's etag for \"value\"")
    func roundTrip() async throws {
        try await R2Fixture.with { t, bucket in
            let put = try #require(try await bucket.put("greeting", "value"))
            #expect(put.key == "greeting")
            #expect(put.etag == "2063c1608d6e0baf80249c42e2be5804")
            #expect(put.httpEtag == "\"2063c1608d6e0baf80249c42e2be5804\"")
            #expect(put.size == 5)
            #expect(put.checksums.md5 == put.etag)
            #expect(put.version.count == 32)

            let got = try #require(try await bucket.get("greeting"))
            #expect(try await got.text() == "value")
            #expect(got.version == put.version)
            #expect(got.range == R2Range(offset: 0, length: 5))

            let head = try #require(try await bucket.head("greeting"))
            #expect(head.etag == put.etag)
            #expect(head.uploaded == put.uploaded)
            #expect(head.version == put.version)

            try await bucket.delete("greeting")
            #expect(try await bucket.head("greeting") == nil)
            #expect(try await bucket.get("greeting") == nil)
            try await bucket.delete("greeting")
            #expect(try R2Fixture.blobFiles(t).isEmpty)
        }
    }

    @Test("an overwrite gets a new version and its old blob is deleted")
    func overwrite() async throws {
        try await R2Fixture.with { t, bucket in
            let first = try #require(try await bucket.put("k", "one"))
            let second = try #require(try await bucket.put("k", "two"))
            #expect(first.version != second.version)
            #expect(try await bucket.get("k")?.text() == "two")
            #expect(try R2Fixture.blobFiles(t).count == 1)
            try await bucket.put("empty", "")
            #expect(try await bucket.get("empty")?.text() == "")
            #expect(try await bucket.head("empty")?.etag == "d41d8cd98f00b204e9800998ecf8427e")
        }
    }

    @Test("delete of several keys at once")
    func deleteMany() async throws {
        try await R2Fixture.with { t, bucket in
            for k in ["a", "b", "c"] { try await bucket.put(k, k) }
            try await bucket.delete(["a", "c", "missing"])
            #expect(try await bucket.list().objects.map(\.key) == ["b"])
            #expect(try R2Fixture.blobFiles(t).count == 1)
        }
    }

    @Test("get with onlyIf: a failing condition returns the object without a body")
    func conditionalGet() async throws {
        try await R2Fixture.with { _, bucket in
            let put = try #require(try await bucket.put("k", "value"))
            let past = put.uploaded.addingTimeInterval(-60)
            let future = put.uploaded.addingTimeInterval(60)

            func passes(_ c: R2Conditional) async throws -> Bool {
                let result = try #require(try await bucket.get("k", options: R2GetOptions(onlyIf: c)))
                #expect(result.object.etag == put.etag)
                return result.objectBody != nil
            }
            #expect(try await passes(R2Conditional(etagMatches: put.etag)))
            #expect(try await passes(R2Conditional(etagMatches: put.httpEtag)))
            #expect(try await !passes(R2Conditional(etagMatches: "00000000000000000000000000000000")))
            #expect(try await !passes(R2Conditional(etagDoesNotMatch: put.etag)))
            #expect(try await passes(R2Conditional(etagDoesNotMatch: "nope")))
            #expect(try await passes(R2Conditional(uploadedBefore: future)))
            #expect(try await !passes(R2Conditional(uploadedBefore: past)))
            #expect(try await passes(R2Conditional(uploadedAfter: past)))
            #expect(try await !passes(R2Conditional(uploadedAfter: future)))

            let failed = try #require(try await bucket.get("k", options: R2GetOptions(onlyIf: R2Conditional(etagMatches: "x"))))
            guard case .preconditionFailed(let object) = failed else {
                Issue.record("expected the object without a body")
                return
            }
            #expect(object.size == 5)
            #expect(try await bucket.get("missing", options: R2GetOptions(onlyIf: R2Conditional(etagMatches: "x"))) == nil)
        }
    }

    @Test("get with If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since headers")
    func conditionalHeaders() async throws {
        try await R2Fixture.with { _, bucket in
            let put = try #require(try await bucket.put("k", "value"))
            func passes(_ name: HTTPField.Name, _ value: String) async throws -> Bool {
                var headers = HTTPFields()
                headers[name] = value
                return try #require(try await bucket.get("k", options: R2GetOptions(headers: headers))).objectBody != nil
            }
            #expect(try await passes(.ifMatch, put.httpEtag))
            #expect(try await passes(.ifMatch, "*"))
            #expect(try await passes(.ifMatch, "\"other\", \(put.httpEtag)"))
            #expect(try await !passes(.ifMatch, "\"other\""))
            #expect(try await !passes(.ifNoneMatch, put.httpEtag))
            #expect(try await !passes(.ifNoneMatch, "W/\(put.httpEtag)"))
            #expect(try await passes(.ifNoneMatch, "\"other\""))
            #expect(try await !passes(.ifModifiedSince, R2TestDates.http(put.uploaded.addingTimeInterval(3600))))
            #expect(try await passes(.ifModifiedSince, R2TestDates.http(put.uploaded.addingTimeInterval(-3600))))
            #expect(try await !passes(.ifUnmodifiedSince, R2TestDates.http(put.uploaded.addingTimeInterval(-3600))))
            #expect(try await passes(.ifUnmodifiedSince, R2TestDates.http(put.uploaded.addingTimeInterval(3600))))
        }
    }

    @Test("put with onlyIf: a failing condition returns nil and writes nothing")
    func conditionalPut() async throws {
        try await R2Fixture.with { t, bucket in
            let put = try #require(try await bucket.put("k", "value"))
            let refused = try await bucket.put("k", "other", options: R2PutOptions(onlyIf: R2Conditional(etagMatches: "0123")))
            #expect(refused == nil)
            #expect(try await bucket.get("k")?.text() == "value")
            #expect(try await bucket.head("k")?.version == put.version)
            #expect(try R2Fixture.blobFiles(t).count == 1)

            let onlyNew = R2PutOptions(onlyIf: R2Conditional(etagDoesNotMatch: "*"))
            #expect(try await bucket.put("k", "again", options: onlyNew) == nil)
            #expect(try await bucket.put("fresh", "new", options: onlyNew) != nil)
            #expect(try await bucket.put("absent", "x", options: R2PutOptions(onlyIf: R2Conditional(etagMatches: "*"))) == nil)
            #expect(try await bucket.head("absent") == nil)

            let swapped = try await bucket.put("k", "swapped", options: R2PutOptions(onlyIf: R2Conditional(etagMatches: put.etag)))
            #expect(swapped?.etag == R2Fixture.md5Hex(Array("swapped".utf8)))
            #expect(try R2Fixture.blobFiles(t).count == 2)
        }
    }

    @Test("ranges: offset, length, suffix, Range header; past the end is 10039")
    func ranges() async throws {
        try await R2Fixture.with { _, bucket in
            try await bucket.put("k", "value")
            func read(_ range: R2Range) async throws -> String? { try await bucket.get("k", range: range)?.text() }
            #expect(try await read(.offset(3)) == "ue")
            #expect(try await read(.suffix(3)) == "lue")
            #expect(try await read(.offset(1, length: 2)) == "al")
            #expect(try await read(.length(2)) == "va")
            #expect(try await read(.offset(2, length: 100)) == "lue")
            #expect(try await read(.suffix(100)) == "value")
            let ranged = try #require(try await bucket.get("k", range: .offset(3)))
            #expect(ranged.range == R2Range(offset: 3, length: 2))
            #expect(ranged.size == 5)

            for bad in [R2Range.offset(5), .offset(5, length: 1), .offset(10), .offset(10, length: 1), .offset(-1), .suffix(0), .length(0)] {
                let error = await #expect(throws: R2Error.self) { try await bucket.get("k", range: bad) }
                #expect(error?.errorCode == 10039)
                #expect(error?.status == 416)
                #expect(error?.message == "get: The requested range is not satisfiable (10039)")
            }

            func readHeader(_ value: String) async throws -> String? {
                try await bucket.get("k", options: R2GetOptions(rangeHeader: value))?.objectBody?.text()
            }
            #expect(try await readHeader("bytes=1-2") == "al")
            #expect(try await readHeader("bytes=-3") == "lue")
            #expect(try await readHeader("bytes=3-") == "ue")
            #expect(try await readHeader("bytes=0-1,3-4") == "value")
            let error = await #expect(throws: R2Error.self) { try await bucket.get("k", options: R2GetOptions(rangeHeader: "bytes=7-")) }
            #expect(error?.errorCode == 10039)
        }
    }

    @Test("httpMetadata and customMetadata are stored and written back as headers")
    func metadata() async throws {
        try await R2Fixture.with { _, bucket in
            let expiry = Date(timeIntervalSince1970: 1_900_000_000)
            let http = R2HTTPMetadata(
                contentType: "text/plain", contentLanguage: "en", contentDisposition: "attachment",
                contentEncoding: "identity", cacheControl: "max-age=60", cacheExpiry: expiry
            )
            try await bucket.put("k", "value", options: R2PutOptions(httpMetadata: http, customMetadata: ["owner": "ada", "ünï": "cödé"]))
            let head = try #require(try await bucket.head("k"))
            #expect(head.httpMetadata == http)
            #expect(head.customMetadata == ["owner": "ada", "ünï": "cödé"])
            var headers = HTTPFields()
            head.writeHttpMetadata(to: &headers)
            #expect(headers[.contentType] == "text/plain")
            #expect(headers[.cacheControl] == "max-age=60")
            #expect(headers[.expires] == "Sun, 17 Mar 2030 17:46:40 GMT")
            #expect(R2HTTPMetadata(headers: headers) == http)
        }
    }

    @Test("checksums are verified: a wrong md5 is 10037 and stores nothing")
    func checksums() async throws {
        try await R2Fixture.with { t, bucket in
            let md5 = "2063c1608d6e0baf80249c42e2be5804"
            #expect(try await bucket.put("ok", "value", options: R2PutOptions(md5: md5))?.etag == md5)
            let wrong = "00000000000000000000000000000000"
            let error = await #expect(throws: R2Error.self) { try await bucket.put("bad", "value", options: R2PutOptions(md5: wrong)) }
            #expect(error?.errorCode == 10037)
            #expect(error?.status == 400)
            #expect(error?.message == "put: The MD5 checksum you specified did not match what we received.\nYou provided a MD5 checksum with value: \(wrong)\nActual MD5 was: \(md5) (10037)")
            #expect(try await bucket.head("bad") == nil)

            let sha256 = "cd42404d52ad55ccfa9aca4adc828aa5800ad9d385a0671fbcbf724118320619"
            let withSHA = try #require(try await bucket.put("sha", "value", options: R2PutOptions(sha256: sha256)))
            #expect(withSHA.checksums.sha256 == sha256)
            #expect(withSHA.checksums.md5 == md5)
            let badSHA = await #expect(throws: R2Error.self) {
                try await bucket.put("sha-bad", "other", options: R2PutOptions(sha256: sha256))
            }
            #expect(badSHA?.errorCode == 10037)

            let two = await #expect(throws: R2Error.self) { try await bucket.put("two", "value", options: R2PutOptions(md5: md5, sha256: sha256)) }
            #expect(two?.errorCode == 10029)
            let malformed = await #expect(throws: R2Error.self) { try await bucket.put("m", "value", options: R2PutOptions(md5: "xyz")) }
            #expect(malformed?.errorCode == 10014)
            #expect(try R2Fixture.blobFiles(t).count == 2)
        }
    }

    @Test("key ≤ 1024 bytes and custom metadata ≤ 8192 bytes; refusals change nothing")
    func limits() async throws {
        try await R2Fixture.with { t, bucket in
            let longest = String(repeating: "k", count: 1024)
            try await bucket.put(longest, "v")
            #expect(try await bucket.get(longest)?.text() == "v")
            let tooLong = String(repeating: "é", count: 513)
            let error = await #expect(throws: R2Error.self) { try await bucket.put(tooLong, "v") }
            #expect(error?.errorCode == 10020)
            #expect(error?.message == "put: The specified object name is not valid. (10020)")
            let empty = await #expect(throws: R2Error.self) { try await bucket.get("") }
            #expect(empty?.errorCode == 10020)

            let fits = ["k": String(repeating: "m", count: 8191)]
            try await bucket.put("meta", "v", options: R2PutOptions(customMetadata: fits))
            let over = ["k": String(repeating: "m", count: 8192)]
            let metaError = await #expect(throws: R2Error.self) { try await bucket.put("meta2", "v", options: R2PutOptions(customMetadata: over)) }
            #expect(metaError?.errorCode == 10012)
            #expect(metaError?.message == "put: Your metadata headers exceed the maximum allowed metadata size. (10012)")
            #expect(try await bucket.head("meta2") == nil)
            #expect(try R2Fixture.blobFiles(t).count == 2)
        }
    }

    @Test("keys with .. and / never leave the state directory: blobs are named by random ids")
    func hostileKeys() async throws {
        try await R2Fixture.with { t, bucket in
            let keys = ["../../etc/passwd", "../../../escape", "a/../../b", "/absolute", "..", ".", "dir/./x", "nul\u{0}byte", "x/" + String(repeating: "../", count: 300)]
            for (i, key) in keys.enumerated() {
                try await bucket.put(key, "payload \(i)")
            }
            for (i, key) in keys.enumerated() {
                #expect(try await bucket.get(key)?.text() == "payload \(i)", "key \(key)")
            }
            #expect(try await bucket.list().objects.count == keys.count)

            // Every file the runtime wrote is inside the state directory, and every blob has a hex name.
            let root = URL(fileURLWithPath: t.directory).resolvingSymlinksInPath().path
            let parent = (root as NSString).deletingLastPathComponent
            let outside = try FileManager.default.contentsOfDirectory(atPath: parent)
            #expect(!outside.contains("escape") && !outside.contains("b") && !outside.contains("etc"))
            let blobs = try R2Fixture.blobFiles(t)
            #expect(blobs.count == keys.count)
            #expect(blobs.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
            let files = FileManager.default.enumerator(atPath: t.directory)?.allObjects as? [String] ?? []
            let allowed = files.allSatisfy { path in
                // Other subsystems' own files sit directly in state/; inside state/r2 only R2's files may exist.
                let topLevelStateFile = path.hasPrefix("state/") && !path.dropFirst(6).contains("/") && path.contains(".sqlite")
                return path == "wrangler.toml" || path == "state" || topLevelStateFile || path == "state/r2" || path == "state/r2/media"
                    || path.hasPrefix("state/r2/media/metadata.sqlite") || path == "state/r2/media/lock" || path == "state/r2/media/blobs"
                    || (path.hasPrefix("state/r2/media/blobs/") && blobs.contains(String(path.dropFirst("state/r2/media/blobs/".count))))
            }
            #expect(allowed, "unexpected files: \(files)")
        }
    }

    @Test("a binding of another kind, or none, is a clear error")
    func bindingErrors() async throws {
        try await R2Fixture.with { t, _ in
            #expect(throws: BindingError.self) { try t.env.r2("NOPE") }
        }
    }
}

enum R2TestDates {
    static func http(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}
