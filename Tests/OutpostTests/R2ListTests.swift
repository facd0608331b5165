import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("R2 list: order, prefix, delimiter, startAfter, cursor, limit, include")
struct R2ListTests {
    @Test("keys come back in UTF-8 byte order, filtered by prefix")
    func orderAndPrefix() async throws {
        try await R2Fixture.with { _, bucket in
            let keys = ["b", "a", "c/1", "B", "ä", "a/b", "a-", "ab"]
            for k in keys { try await bucket.put(k, k) }
            let all = try await bucket.list()
            #expect(all.objects.map(\.key) == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            #expect(all.objects.map(\.key) == ["B", "a", "a-", "a/b", "ab", "b", "c/1", "ä"])
            #expect(all.truncated == false)
            #expect(all.cursor == nil)
            #expect(all.delimitedPrefixes.isEmpty)
            #expect(try await bucket.list(R2ListOptions(prefix: "a")).objects.map(\.key) == ["a", "a-", "a/b", "ab"])
            #expect(try await bucket.list(R2ListOptions(prefix: "zz")).objects.isEmpty)
            let first = try #require(all.objects.first)
            #expect(first.size == 1 && first.etag == R2Fixture.md5Hex(Array("B".utf8)))
        }
    }

    @Test("delimiter \"/\" groups keys into delimitedPrefixes")
    func delimiter() async throws {
        try await R2Fixture.with { _, bucket in
            for k in ["a.txt", "dir/1", "dir/2", "dir/sub/3", "other/x", "z"] { try await bucket.put(k, k) }
            let top = try await bucket.list(R2ListOptions(delimiter: "/"))
            #expect(top.objects.map(\.key) == ["a.txt", "z"])
            #expect(top.delimitedPrefixes == ["dir/", "other/"])
            #expect(!top.truncated)

            let dir = try await bucket.list(R2ListOptions(prefix: "dir/", delimiter: "/"))
            #expect(dir.objects.map(\.key) == ["dir/1", "dir/2"])
            #expect(dir.delimitedPrefixes == ["dir/sub/"])
        }
    }

    @Test("startAfter is exclusive and combines with prefix")
    func startAfter() async throws {
        try await R2Fixture.with { _, bucket in
            for k in ["a", "b", "c", "d"] { try await bucket.put(k, k) }
            #expect(try await bucket.list(R2ListOptions(startAfter: "b")).objects.map(\.key) == ["c", "d"])
            #expect(try await bucket.list(R2ListOptions(startAfter: "bb")).objects.map(\.key) == ["c", "d"])
            #expect(try await bucket.list(R2ListOptions(startAfter: "d")).objects.isEmpty)
        }
    }

    @Test("cursor pagination visits every key once; a page with more left is truncated")
    func cursor() async throws {
        try await R2Fixture.with { _, bucket in
            let keys = (0..<25).map { String(format: "k%02d", $0) }
            for k in keys { try await bucket.put(k, k) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await bucket.list(R2ListOptions(limit: 10, cursor: cursor))
                pages += 1
                seen += page.objects.map(\.key)
                #expect(page.truncated == (page.cursor != nil))
                cursor = page.cursor
                if pages == 1 {
                    #expect(page.truncated)
                    // Written after the first page: strongly consistent lists show it on a later page.
                    try await bucket.put("k99", "late")
                }
            } while cursor != nil
            #expect(pages == 3)
            #expect(seen == keys + ["k99"])

            let exact = try await bucket.list(R2ListOptions(limit: 26))
            #expect(exact.objects.count == 26 && !exact.truncated && exact.cursor == nil)
        }
    }

    @Test("pagination with a delimiter never repeats a group")
    func cursorWithDelimiter() async throws {
        try await R2Fixture.with { _, bucket in
            for k in ["a/1", "a/2", "a/3", "b", "c/1", "c/2", "d"] { try await bucket.put(k, k) }
            var prefixes: [String] = []
            var objects: [String] = []
            var cursor: String?
            repeat {
                let page = try await bucket.list(R2ListOptions(limit: 1, cursor: cursor, delimiter: "/"))
                #expect(page.objects.count + page.delimitedPrefixes.count == 1)
                prefixes += page.delimitedPrefixes
                objects += page.objects.map(\.key)
                cursor = page.cursor
            } while cursor != nil
            #expect(prefixes == ["a/", "c/"])
            #expect(objects == ["b", "d"])
        }
    }

    @Test("limit 0 and 1001 are error 10022")
    func limits() async throws {
        try await R2Fixture.with { _, bucket in
            for limit in [0, 1001, -1] {
                let error = await #expect(throws: R2Error.self) { try await bucket.list(R2ListOptions(limit: limit)) }
                #expect(error?.errorCode == 10022)
                #expect(error?.status == 400)
                #expect(error?.message == "list: MaxKeys params must be positive integer <= 1000. (10022)")
            }
            _ = try await bucket.list(R2ListOptions(limit: 1000))
            _ = try await bucket.list(R2ListOptions(limit: 1))
        }
    }

    @Test("include adds httpMetadata and customMetadata; without it they are empty")
    func include() async throws {
        try await R2Fixture.with { _, bucket in
            try await bucket.put("k", "v", options: R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: "text/plain"), customMetadata: ["a": "b"]))
            let bare = try #require(try await bucket.list().objects.first)
            #expect(bare.httpMetadata == R2HTTPMetadata())
            #expect(bare.customMetadata.isEmpty)
            let http = try #require(try await bucket.list(R2ListOptions(include: [.httpMetadata])).objects.first)
            #expect(http.httpMetadata.contentType == "text/plain")
            #expect(http.customMetadata.isEmpty)
            let both = try #require(try await bucket.list(R2ListOptions(include: [.httpMetadata, .customMetadata])).objects.first)
            #expect(both.httpMetadata.contentType == "text/plain")
            #expect(both.customMetadata == ["a": "b"])
        }
    }
}
