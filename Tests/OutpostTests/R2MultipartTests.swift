import Crypto
import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("R2 multipart uploads")
struct R2MultipartTests {
    static let mib = 1024 * 1024

    @Test("happy path: 5 MiB parts joined in part order, etag md5(part md5s)-N, ranges across parts")
    func happyPath() async throws {
        try await R2Fixture.with { t, bucket in
            let p1 = R2Fixture.bytes(count: 5 * Self.mib, seed: 1)
            let p2 = R2Fixture.bytes(count: 5 * Self.mib, seed: 2)
            let p3 = R2Fixture.bytes(count: 1000, seed: 3)
            let upload = try await bucket.createMultipartUpload("video.bin", options: R2MultipartOptions(
                httpMetadata: R2HTTPMetadata(contentType: "video/mp4"), customMetadata: ["by": "test"]))
            #expect(upload.key == "video.bin")
            #expect(!upload.uploadId.isEmpty)

            // Uploaded out of order, through a resumed handle for one part.
            let u3 = try await upload.uploadPart(3, bytes: p3)
            let u1 = try await upload.uploadPart(1, bytes: p1)
            let u2 = try await bucket.resumeMultipartUpload("video.bin", uploadId: upload.uploadId).uploadPart(2, bytes: p2)
            #expect(u1 == R2UploadedPart(partNumber: 1, etag: R2Fixture.md5Hex(p1)))
            #expect(try await bucket.head("video.bin") == nil)

            let object = try await upload.complete([u2, u3, u1])
            let expectedEtag = R2Fixture.md5Hex(R2Fixture.unhex(u1.etag) + R2Fixture.unhex(u2.etag) + R2Fixture.unhex(u3.etag)) + "-3"
            #expect(object.etag == expectedEtag)
            #expect(object.size == p1.count + p2.count + p3.count)
            #expect(object.httpMetadata.contentType == "video/mp4")
            #expect(object.customMetadata == ["by": "test"])

            let whole = p1 + p2 + p3
            let got = try #require(try await bucket.get("video.bin"))
            #expect(got.etag == expectedEtag)
            #expect(R2Fixture.md5Hex(try await got.bytes()) == R2Fixture.md5Hex(whole))
            let across = try #require(try await bucket.get("video.bin", range: .offset(5 * Self.mib - 10, length: 5 * Self.mib + 20)))
            #expect(try await across.bytes() == Array(whole[(5 * Self.mib - 10)..<(10 * Self.mib + 10)]))
            #expect(try await bucket.get("video.bin", range: .suffix(1500))?.bytes() == Array(whole.suffix(1500)))
            #expect(try R2Fixture.blobFiles(t).count == 3)

            // Overwriting the object with a plain put frees every part's blob.
            try await bucket.put("video.bin", "small")
            #expect(try R2Fixture.blobFiles(t).count == 1)
        }
    }

    @Test("a non-final part under 5 MiB is 10011")
    func tooSmall() async throws {
        try await R2Fixture.with { _, bucket in
            let upload = try await bucket.createMultipartUpload("k")
            let a = try await upload.uploadPart(1, bytes: R2Fixture.bytes(count: Self.mib, seed: 1))
            let b = try await upload.uploadPart(2, bytes: R2Fixture.bytes(count: 10, seed: 2))
            let error = await #expect(throws: R2Error.self) { try await upload.complete([a, b]) }
            #expect(error?.errorCode == 10011)
            #expect(error?.message == "completeMultipartUpload: Your proposed upload is smaller than the minimum allowed object size. (10011)")
            #expect(try await bucket.head("k") == nil)
            // A single small part is fine: it is the last one.
            let only = try await upload.complete([a])
            #expect(only.size == Self.mib)
        }
    }

    @Test("non-final parts of different sizes, or a last part bigger than them, are 10048")
    func mismatchedSizes() async throws {
        try await R2Fixture.with { _, bucket in
            let upload = try await bucket.createMultipartUpload("k")
            let a = try await upload.uploadPart(1, bytes: R2Fixture.bytes(count: 5 * Self.mib, seed: 1))
            let b = try await upload.uploadPart(2, bytes: R2Fixture.bytes(count: 5 * Self.mib + 1, seed: 2))
            let c = try await upload.uploadPart(3, bytes: R2Fixture.bytes(count: 1, seed: 3))
            let error = await #expect(throws: R2Error.self) { try await upload.complete([a, b, c]) }
            #expect(error?.errorCode == 10048)
            #expect(error?.status == 400)
            let bigLast = await #expect(throws: R2Error.self) { try await upload.complete([a, b]) }
            #expect(bigLast?.errorCode == 10048)
            #expect(try await bucket.head("k") == nil)
        }
    }

    @Test("a wrong part etag or a missing part is 10025")
    func badEtag() async throws {
        try await R2Fixture.with { _, bucket in
            let upload = try await bucket.createMultipartUpload("k")
            let a = try await upload.uploadPart(1, "part one")
            let wrong = R2UploadedPart(partNumber: 1, etag: "00000000000000000000000000000000")
            let error = await #expect(throws: R2Error.self) { try await upload.complete([wrong]) }
            #expect(error?.errorCode == 10025)
            #expect(error?.message == "completeMultipartUpload: One or more of the specified parts could not be found. (10025)")
            let missing = await #expect(throws: R2Error.self) { try await upload.complete([a, R2UploadedPart(partNumber: 2, etag: a.etag)]) }
            #expect(missing?.errorCode == 10025)
            let quoted = try await upload.complete([R2UploadedPart(partNumber: 1, etag: "\"\(a.etag)\"")])
            #expect(try await bucket.get("k")?.text() == "part one")
            #expect(quoted.etag.hasSuffix("-1"))
        }
    }

    @Test("an unknown, completed or aborted upload is 10024 (404)")
    func unknownUpload() async throws {
        try await R2Fixture.with { _, bucket in
            let ghost = bucket.resumeMultipartUpload("k", uploadId: "no-such-upload")
            let partError = await #expect(throws: R2Error.self) { try await ghost.uploadPart(1, "x") }
            #expect(partError?.errorCode == 10024)
            #expect(partError?.status == 404)
            #expect(partError?.message == "uploadPart: The specified multipart upload does not exist. (10024)")
            let completeError = await #expect(throws: R2Error.self) { try await ghost.complete([R2UploadedPart(partNumber: 1, etag: "x")]) }
            #expect(completeError?.errorCode == 10024)
            let abortError = await #expect(throws: R2Error.self) { try await ghost.abort() }
            #expect(abortError?.errorCode == 10024)

            let real = try await bucket.createMultipartUpload("k")
            let wrongKey = await #expect(throws: R2Error.self) {
                try await bucket.resumeMultipartUpload("other", uploadId: real.uploadId).uploadPart(1, "x")
            }
            #expect(wrongKey?.errorCode == 10024)

            let part = try await real.uploadPart(1, "x")
            try await real.complete([part])
            let again = await #expect(throws: R2Error.self) { try await real.complete([part]) }
            #expect(again?.errorCode == 10024)
            let late = await #expect(throws: R2Error.self) { try await real.uploadPart(2, "y") }
            #expect(late?.errorCode == 10024)
        }
    }

    @Test("abort deletes the parts and may be repeated")
    func abortTwice() async throws {
        try await R2Fixture.with { t, bucket in
            let upload = try await bucket.createMultipartUpload("k")
            let part = try await upload.uploadPart(1, bytes: R2Fixture.bytes(count: 1000, seed: 9))
            #expect(try R2Fixture.blobFiles(t).count == 1)
            try await upload.abort()
            try await upload.abort()
            #expect(try R2Fixture.blobFiles(t).isEmpty)
            let error = await #expect(throws: R2Error.self) { try await upload.complete([part]) }
            #expect(error?.errorCode == 10024)
            #expect(try await bucket.head("k") == nil)
        }
    }

    @Test("an incomplete upload expires after 7 days: its parts are removed at the next start")
    func uploadExpiry() async throws {
        let clock = RuntimeClock()
        let first = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script, clock: clock)
        defer { first.removeDirectory() }
        let ids = try await first.run { t in
            let bucket = try t.env.r2("MEDIA")
            let old = try await bucket.createMultipartUpload("old")
            _ = try await old.uploadPart(1, "stale")
            return old.uploadId
        }
        clock.advance(by: 6 * 24 * 3600)
        let second = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script, directory: first.directory, clock: clock)
        let fresh = try await second.run { t in
            let bucket = try t.env.r2("MEDIA")
            // Six days on, the upload still takes parts.
            _ = try await bucket.resumeMultipartUpload("old", uploadId: ids).uploadPart(2, "still here")
            let fresh = try await bucket.createMultipartUpload("fresh")
            _ = try await fresh.uploadPart(1, "new")
            return fresh.uploadId
        }
        clock.advance(by: 2 * 24 * 3600)
        let third = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script, directory: first.directory, clock: clock)
        try await third.run { (t: TestRuntime) async throws in
            let bucket = try t.env.r2("MEDIA")
            let error = await #expect(throws: R2Error.self) { try await bucket.resumeMultipartUpload("old", uploadId: ids).uploadPart(3, "x") }
            #expect(error?.errorCode == 10024)
            #expect(try R2Fixture.blobFiles(t).count == 1, "only the fresh upload's part is left")
            let part = R2UploadedPart(partNumber: 1, etag: R2Fixture.md5Hex(Array("new".utf8)))
            try await bucket.resumeMultipartUpload("fresh", uploadId: fresh).complete([part])
        }
    }

    @Test("part numbers outside 1…10000 are refused; re-uploading a part replaces it")
    func partNumbers() async throws {
        try await R2Fixture.with { t, bucket in
            let upload = try await bucket.createMultipartUpload("k")
            for n in [0, 10_001] {
                let error = await #expect(throws: R2Error.self) { try await upload.uploadPart(n, "x") }
                #expect(error?.errorCode == 10029)
            }
            _ = try await upload.uploadPart(10_000, "first")
            let second = try await upload.uploadPart(10_000, "second")
            #expect(try R2Fixture.blobFiles(t).count == 1)
            try await upload.complete([second])
            #expect(try await bucket.get("k")?.text() == "second")
        }
    }
}
