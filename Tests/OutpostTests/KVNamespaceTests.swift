import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("KV namespace")
struct KVNamespaceTests {
    @Test("get returns text, JSON, bytes and streams; missing keys are nil")
    func getTypes() async throws {
        try await withKV { _, kv in
            try await kv.put("text", "hello")
            try await kv.put("json", json: ["a": 1, "b": [true, false]] as JSONValue)
            try await kv.put("bytes", bytes: [0, 1, 2, 255])
            #expect(try await kv.get("text") == "hello")
            #expect(try await kv.getJSON("json") == ["a": 1, "b": [true, false]])
            #expect(try await kv.getBytes("bytes") == [0, 1, 2, 255])
            let stream = try #require(try await kv.getStream("text"))
            #expect(try await stream.text() == "hello")
            #expect(try await kv.get("missing") == nil)
            #expect(try await kv.getJSON("missing") == nil)
        }
    }

    @Test("a batch put stores every entry with the options; one bad entry refuses the batch and writes nothing")
    func batchPut() async throws {
        try await withKV { _, kv in
            try await kv.put([(key: "a", value: Array("1".utf8)), (key: "b", value: Array("2".utf8))], options: KVPutOptions(metadata: ["v": 1]))
            #expect(try await kv.get(["a", "b"]) == ["a": "1", "b": "2"])
            #expect(try await kv.getWithMetadata("b")?.metadata == ["v": 1])
            await #expect(throws: KVError.self) {
                try await kv.put([(key: "c", value: Array("3".utf8)), (key: "", value: Array("4".utf8))])
            }
            await #expect(throws: KVError.self) {
                try await kv.put([(key: "c", value: Array("3".utf8)), (key: "d", value: [UInt8](repeating: 0, count: 25 * 1024 * 1024 + 1))])
            }
            #expect(try await kv.get("c") == nil)
        }
    }

    @Test("put of the empty string stores it; delete of a missing key is a no-op")
    func emptyValueAndDelete() async throws {
        try await withKV { _, kv in
            try await kv.put("empty", "")
            #expect(try await kv.get("empty") == "")
            try await kv.delete("never-existed")
            try await kv.delete("empty")
            #expect(try await kv.get("empty") == nil)
        }
    }

    @Test("getWithMetadata: metadata is nil when none was stored")
    func metadata() async throws {
        try await withKV { _, kv in
            try await kv.put("plain", "v")
            try await kv.put("meta", "v", options: KVPutOptions(metadata: ["owner": "ada", "n": 3]))
            let plain = try #require(try await kv.getWithMetadata("plain"))
            #expect(plain.value == "v")
            #expect(plain.metadata == nil)
            let meta = try #require(try await kv.getWithMetadata("meta"))
            #expect(meta.metadata == ["owner": "ada", "n": 3])
            #expect(try await kv.getWithMetadata("missing") == nil)
        }
    }

    @Test("bulk get of 1…100 keys maps missing keys to nil; more than 100 is refused")
    func bulkGet() async throws {
        try await withKV { _, kv in
            try await kv.put("a", "1")
            try await kv.put("c", "3")
            let result = try await kv.get(["a", "b", "c"])
            #expect(result.count == 3)
            #expect(result["a"] == .some("1"))
            #expect(result["b"] == .some(nil))
            #expect(result["c"] == .some("3"))
            let many = (0..<101).map { "k\($0)" }
            await expectError("You can request a maximum of 100 keys") { _ = try await kv.get(many) }
            _ = try await kv.get(Array(many.prefix(100)))
        }
    }

    @Test("key rules: empty, dot keys, 512-byte limit counted in UTF-8 bytes")
    func keyRules() async throws {
        try await withKV { _, kv in
            await expectError("Key name cannot be empty.") { try await kv.put("", "v") }
            await expectError("\".\" is not allowed as a key name.") { try await kv.put(".", "v") }
            await expectError("\"..\" is not allowed as a key name.") { try await kv.get("..").map { _ in () } }
            await expectError("414 UTF-8 encoded length of 513 exceeds key length limit of 512.") {
                try await kv.put(String(repeating: "k", count: 513), "v")
            }
            // 171 × "é" (2 bytes) = 342 bytes + 171 × "a" = 513 bytes, only 342 characters.
            await expectError("414 UTF-8 encoded length of 513 exceeds key length limit of 512.") {
                try await kv.put(String(repeating: "é", count: 171) + String(repeating: "a", count: 171), "v")
            }
            try await kv.put(String(repeating: "k", count: 512), "ok")
            #expect(try await kv.get(String(repeating: "k", count: 512)) == "ok")
        }
    }

    @Test("value and metadata size limits, with Cloudflare's messages; a refused put changes nothing")
    func sizeLimits() async throws {
        try await withKV { _, kv in
            try await kv.put("big", "old")
            let tooBig = [UInt8](repeating: 7, count: 26_214_401)
            await expectError("413 Value length of 26214401 exceeds limit of 26214400.") { try await kv.put("big", bytes: tooBig) }
            #expect(try await kv.get("big") == "old")
            let atLimit = [UInt8](repeating: 7, count: 26_214_400)
            try await kv.put("big", bytes: atLimit)
            #expect(try await kv.getBytes("big")?.count == 26_214_400)

            let longText = String(repeating: "x", count: 1020)
            let metadata: JSONValue = ["m": .string(longText)]  // {"m":"xxx…"} = 1028 bytes
            await expectError("413 Metadata length of 1028 exceeds limit of 1024.") {
                try await kv.put("meta", "v", options: KVPutOptions(metadata: metadata))
            }
            #expect(try await kv.get("meta") == nil)
        }
    }

    @Test("a streamed value over 25 MiB is refused without storing it")
    func streamedTooLarge() async throws {
        try await withKV { _, kv in
            let body = Body(length: nil) { writer in
                let chunk = ByteBuffer(repeating: 1, count: 1 << 20)
                for _ in 0..<26 { await writer.write(chunk) }
            }
            do {
                try await kv.put("s", body: body)
                Issue.record("expected a 413")
            } catch let error as KVError {
                #expect(error.status == 413)
                #expect(error.message.hasPrefix("413 Value length of"))
            }
            #expect(try await kv.get("s") == nil)
        }
    }

    @Test("expirationTtl must be an integer ≥ 60; expiration at least 60 s ahead; ttl wins over expiration")
    func expirationRules() async throws {
        try await withKV { t, kv in
            await expectError("Invalid expiration_ttl of 0. Please specify integer greater than 0.") {
                try await kv.put("k", "v", options: KVPutOptions(expirationTtl: 0))
            }
            await expectError("Invalid expiration_ttl of 30. Expiration TTL must be at least 60.") {
                try await kv.put("k", "v", options: KVPutOptions(expirationTtl: 30))
            }
            let now = Int(t.clock.now())
            await expectError("Invalid expiration of \(now + 30). Expiration times must be at least 60 seconds in the future.") {
                try await kv.put("k", "v", options: KVPutOptions(expiration: now + 30))
            }
            await expectError("Invalid expiration of \(now - 10). Expiration times must be at least 60 seconds in the future.") {
                try await kv.put("k", "v", options: KVPutOptions(expiration: now - 10))
            }
            #expect(try await kv.get("k") == nil)

            // Both given: the TTL decides.
            try await kv.put("both", "v", options: KVPutOptions(expiration: now + 10_000, expirationTtl: 120))
            let listed = try await kv.list(KVListOptions(prefix: "both"))
            let expiration = try #require(listed.keys.first?.expiration)
            #expect(abs(expiration - (now + 120)) <= 2)
        }
    }

    @Test("expired keys vanish from get and list at their expiration time")
    func expiry() async throws {
        try await withKV { t, kv in
            try await kv.put("short", "v", options: KVPutOptions(expirationTtl: 60))
            try await kv.put("long", "v", options: KVPutOptions(expirationTtl: 3600))
            let abs = Int(t.clock.now()) + 120
            try await kv.put("absolute", "v", options: KVPutOptions(expiration: abs))
            #expect(try await kv.get("short") == "v")
            let listed = try await kv.list()
            #expect(listed.keys.map(\.name) == ["absolute", "long", "short"])
            #expect(listed.keys.first?.expiration == abs)

            t.advanceTime(by: 61)
            #expect(try await kv.get("short") == nil)
            #expect(try await kv.getWithMetadata("short") == nil)
            #expect(try await kv.list().keys.map(\.name) == ["absolute", "long"])

            t.advanceTime(by: 60)
            #expect(try await kv.get("absolute") == nil)
            #expect(try await kv.list().keys.map(\.name) == ["long"])
        }
    }

    @Test("list returns keys in UTF-8 byte order with prefix filtering")
    func listOrder() async throws {
        try await withKV { _, kv in
            let keys = ["b", "a", "B", "aa", "é", "z", "a/b", "A", "~", "a0"]
            for k in keys { try await kv.put(k, "v") }
            let listed = try await kv.list()
            #expect(listed.keys.map(\.name) == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            #expect(listed.keys.map(\.name) == ["A", "B", "a", "a/b", "a0", "aa", "b", "z", "~", "é"])
            #expect(listed.listComplete)
            #expect(listed.cursor == nil)
            #expect(try await kv.list(KVListOptions(prefix: "a")).keys.map(\.name) == ["a", "a/b", "a0", "aa"])
            #expect(try await kv.list(KVListOptions(prefix: "zz")).keys.isEmpty)
        }
    }

    @Test("list paginates with a cursor that means 'after this key'; later keys past it still appear")
    func listPagination() async throws {
        try await withKV { _, kv in
            for i in 0..<7 { try await kv.put("key\(i)", "v", options: KVPutOptions(metadata: ["i": .number(Double(i))])) }
            let page1 = try await kv.list(KVListOptions(limit: 3))
            #expect(page1.keys.map(\.name) == ["key0", "key1", "key2"])
            #expect(!page1.listComplete)
            let cursor1 = try #require(page1.cursor)
            #expect(page1.keys[1].metadata == ["i": 1])

            try await kv.put("key25", "late")  // sorts after key2, so the next page must show it
            let page2 = try await kv.list(KVListOptions(limit: 3, cursor: cursor1))
            #expect(page2.keys.map(\.name) == ["key25", "key3", "key4"])
            let page3 = try await kv.list(KVListOptions(limit: 3, cursor: try #require(page2.cursor)))
            #expect(page3.keys.map(\.name) == ["key5", "key6"])
            #expect(page3.listComplete)
            #expect(page3.cursor == nil)

            await expectError("Invalid key_count_limit of 0. Please specify an integer greater than 0 and at most 1000.") {
                _ = try await kv.list(KVListOptions(limit: 0))
            }
            await expectError("Invalid key_count_limit of 1001. Please specify an integer greater than 0 and at most 1000.") {
                _ = try await kv.list(KVListOptions(limit: 1001))
            }
            await expectError("Invalid cursor: pass the cursor from the previous list result unchanged.") {
                _ = try await kv.list(KVListOptions(cursor: "not-a-cursor"))
            }
        }
    }

    @Test("list defaults to and caps at 1000 keys per page")
    func listDefaultLimit() async throws {
        try await withKV { t, kv in
            // Seed 1,500 keys in one transaction straight into the store's file (this test is about list).
            let db = try SQLiteConnection(path: t.stateDirectory + "/kv.sqlite")
            try db.transaction {
                for i in 0..<1500 {
                    try db.run("INSERT INTO kv (namespace, key, value) VALUES ('kv-test-ns', ?, x'00')", [.text(String(format: "k%05d", i))])
                }
            }
            let page1 = try await kv.list()
            #expect(page1.keys.count == 1000)
            #expect(!page1.listComplete)
            let page2 = try await kv.list(KVListOptions(cursor: page1.cursor))
            #expect(page2.keys.count == 500)
            #expect(page2.listComplete)
            #expect(page2.keys.first?.name == "k01000")
        }
    }

    @Test("namespaces with different ids are separate; the same id shares data")
    func namespaceIsolation() async throws {
        let config = """
            [[kv_namespaces]]
            binding = "A"
            id = "one"
            [[kv_namespaces]]
            binding = "B"
            id = "two"
            [[kv_namespaces]]
            binding = "A2"
            id = "one"
            """
        try await TestRuntime.with(config: config, script: WorkerScript(worker: NullWorker())) { t in
            try await t.kv("A").put("k", "from A")
            #expect(try await t.kv("B").get("k") == nil)
            #expect(try await t.kv("A2").get("k") == "from A")
            #expect(try await t.kv("B").list().keys.isEmpty)
        }
    }

    @Test("writes persist across a restart of the runtime")
    func persistence() async throws {
        let first = try TestRuntime(config: TestConfig.kv, script: WorkerScript(worker: NullWorker()))
        defer { first.removeDirectory() }
        try await first.run { t in
            try await t.kv("KV").put("durable", "yes", options: KVPutOptions(metadata: ["m": true]))
        }
        let second = try TestRuntime(config: TestConfig.kv, script: WorkerScript(worker: NullWorker()), directory: first.directory)
        try await second.run { t in
            let found = try #require(try await t.kv("KV").getWithMetadata("durable"))
            #expect(found.value == "yes")
            #expect(found.metadata == ["m": true])
        }
    }

    @Test("an unknown binding name is a clear error")
    func unknownBinding() async throws {
        try await withKV { t, _ in
            #expect(throws: BindingError.self) { try t.env.kv("NOPE") }
            do { _ = try t.env.kv("NOPE") } catch { #expect("\(error)" == "No KV namespace is bound as NOPE. Add it to wrangler.toml.") }
        }
    }
}
