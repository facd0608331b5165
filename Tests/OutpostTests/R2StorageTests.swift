import Crypto
import Foundation
import NIOConcurrencyHelpers
import Outpost
import OutpostTesting
import Testing

@Suite("R2 storage: streaming, restart, orphan cleanup, concurrent reads, CLI")
struct R2StorageTests {
    @Test("a 64 MiB streamed object round-trips with matching MD5 without being held in memory")
    func largeStreamedObject() async throws {
        try await R2Fixture.with { t, bucket in
            let chunkSize = 64 * 1024
            let count = 1024
            let blobs = R2Fixture.blobsDirectory(t)
            let lag = NIOLockedValueBox(0)
            // Before making chunk i, look at the temporary file: the put must already have written
            // nearly everything before it (it buffers at most 256 KiB), or it is holding the body.
            let source = R2GeneratedChunks(chunkSize: chunkSize, count: count) { i in
                guard i > 0, i % 64 == 0 else { return }
                let tmp = try FileManager.default.contentsOfDirectory(atPath: blobs).first { $0.hasSuffix(".tmp") }
                let written = tmp.flatMap { try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int } ?? 0
                lag.withLockedValue { $0 = max($0, i * chunkSize - written) }
            }
            var expected = Insecure.MD5()
            for i in 0..<count { expected.update(data: R2GeneratedChunks.chunk(i, size: chunkSize)) }
            let expectedHex = R2Fixture.hex(expected.finalize())

            let start = Date()
            let put = try #require(try await bucket.put("big.bin", body: Body(stream: source, length: chunkSize * count)))
            let putSeconds = Date().timeIntervalSince(start)
            #expect(put.size == 64 * 1024 * 1024)
            #expect(put.etag == expectedHex)
            #expect(lag.withLockedValue { $0 } <= 512 * 1024, "put fell \(lag.withLockedValue { $0 }) bytes behind its input")

            let readStart = Date()
            let got = try #require(try await bucket.get("big.bin"))
            #expect(got.body.knownLength == 64 * 1024 * 1024)
            var md5 = Insecure.MD5()
            var total = 0
            var biggest = 0
            for try await chunk in got.body {
                chunk.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
                total += chunk.readableBytes
                biggest = max(biggest, chunk.readableBytes)
            }
            let getSeconds = Date().timeIntervalSince(readStart)
            #expect(total == 64 * 1024 * 1024)
            #expect(biggest <= 128 * 1024)
            #expect(R2Fixture.hex(md5.finalize()) == expectedHex)
            print("R2 64 MiB: put \(String(format: "%.0f", 64 / putSeconds)) MiB/s, get \(String(format: "%.0f", 64 / getSeconds)) MiB/s")
        }
    }

    @Test("small puts and gets: latency with fsync on every write")
    func smallObjectLatency() async throws {
        try await R2Fixture.with { _, bucket in
            let n = 100
            let payload = R2Fixture.bytes(count: 1024, seed: 5)
            let start = Date()
            for i in 0..<n { try await bucket.put("k\(i)", bytes: payload) }
            let putMs = Date().timeIntervalSince(start) * 1000 / Double(n)
            let readStart = Date()
            for i in 0..<n { #expect(try await bucket.get("k\(i)")?.bytes() == payload) }
            let getMs = Date().timeIntervalSince(readStart) * 1000 / Double(n)
            print("R2 1 KiB objects: put \(String(format: "%.2f", putMs)) ms, get \(String(format: "%.3f", getMs)) ms")
        }
    }

    @Test("8 concurrent writers: every object lands intact; reads stay fast meanwhile")
    func concurrentWriters() async throws {
        try await R2Fixture.with { _, bucket in
            let hot = R2Fixture.bytes(count: 4096, seed: 77)
            try await bucket.put("hot", bytes: hot)
            let writers = 8
            let perWriter = 25
            let start = Date()
            let readLatencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for w in 0..<writers {
                    group.addTask {
                        for i in 0..<perWriter {
                            try await bucket.put("w\(w)/\(i)", bytes: R2Fixture.bytes(count: 1024, seed: UInt64(w * 1000 + i + 1)))
                        }
                        return []
                    }
                }
                group.addTask {
                    var latencies: [Double] = []
                    for _ in 0..<50 {
                        let t0 = Date()
                        let read = try await bucket.get("hot")?.bytes()
                        #expect(read == hot)
                        latencies.append(Date().timeIntervalSince(t0) * 1000)
                    }
                    return latencies
                }
                var all: [Double] = []
                for try await l in group { all += l }
                return all
            }
            let seconds = Date().timeIntervalSince(start)
            for w in 0..<writers {
                for i in 0..<perWriter {
                    #expect(try await bucket.get("w\(w)/\(i)")?.bytes() == R2Fixture.bytes(count: 1024, seed: UInt64(w * 1000 + i + 1)))
                }
            }
            let sorted = readLatencies.sorted()
            print("R2 concurrent: \(writers * perWriter) puts by \(writers) writers at \(String(format: "%.0f", Double(writers * perWriter) / seconds)) puts/s; get during writes p50 \(String(format: "%.2f", sorted[sorted.count / 2])) ms, max \(String(format: "%.2f", sorted.last ?? 0)) ms")
        }
    }

    @Test("objects survive a restart on the same state directory")
    func persistence() async throws {
        let first = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script)
        defer { first.removeDirectory() }
        let etag = try await first.run { t in
            let bucket = try t.env.r2("MEDIA")
            try await bucket.put("kept", "value", options: R2PutOptions(customMetadata: ["a": "1"]))
            try await bucket.put("gone", "x")
            try await bucket.delete("gone")
            let upload = try await bucket.createMultipartUpload("pending")
            _ = try await upload.uploadPart(1, "part")
            return upload.uploadId
        }
        let second = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script, directory: first.directory)
        try await second.run { t in
            let bucket = try t.env.r2("MEDIA")
            let kept = try #require(try await bucket.get("kept"))
            #expect(kept.etag == "2063c1608d6e0baf80249c42e2be5804")
            #expect(kept.customMetadata == ["a": "1"])
            #expect(try await kept.text() == "value")
            #expect(try await bucket.head("gone") == nil)
            // The pending upload's part survived the orphan sweep and can be completed.
            let upload = bucket.resumeMultipartUpload("pending", uploadId: etag)
            let part = R2UploadedPart(partNumber: 1, etag: R2Fixture.md5Hex(Array("part".utf8)))
            try await upload.complete([part])
            #expect(try await bucket.get("pending")?.text() == "part")
        }
    }

    @Test("on startup, temporary files and unreferenced blobs are removed; referenced ones stay")
    func orphanCleanup() async throws {
        let first = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script)
        defer { first.removeDirectory() }
        try await first.run { t in _ = try await t.env.r2("MEDIA").put("k", "value") }
        let blobs = first.stateDirectory + "/r2/media/blobs"
        let referenced = try FileManager.default.contentsOfDirectory(atPath: blobs)
        #expect(referenced.count == 1)
        _ = FileManager.default.createFile(atPath: blobs + "/0123456789abcdef0123456789abcdef.tmp", contents: Data("torn".utf8))
        _ = FileManager.default.createFile(atPath: blobs + "/fedcba9876543210fedcba9876543210", contents: Data("orphan".utf8))

        let second = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script, directory: first.directory)
        try await second.run { (t: TestRuntime) async throws in
            #expect(try FileManager.default.contentsOfDirectory(atPath: blobs) == referenced)
            #expect(try await t.env.r2("MEDIA").get("k")?.text() == "value")
        }
    }

    @Test("no sweep while another opener holds the bucket (the CLI beside a server)")
    func noSweepWhileShared() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try R2Store(stateDirectory: dir, bucketName: "media", clock: RuntimeClock())
        let inFlight = server.directory + "/blobs/00000000000000000000000000000000.tmp"
        _ = FileManager.default.createFile(atPath: inFlight, contents: Data("half".utf8))
        let cli = try R2Store(stateDirectory: dir, bucketName: "media", clock: RuntimeClock())
        #expect(FileManager.default.fileExists(atPath: inFlight))
        // Each sees the other's writes at once: nothing is cached.
        try await R2Bucket(store: cli).put("from-cli", "1")
        #expect(try await R2Bucket(store: server).get("from-cli")?.text() == "1")
        cli.close()
        server.close()
        // The next opener with the bucket to itself sweeps. A child process that another test
        // spawns holds a copy of every descriptor of this process between its fork and its exec,
        // so an opener may find the lock shared for that moment: open again until one sweeps.
        var swept = false
        for _ in 0..<200 where !swept {
            let later = try R2Store(stateDirectory: dir, bucketName: "media", clock: RuntimeClock())
            swept = !FileManager.default.fileExists(atPath: inFlight)
            later.close()
            if !swept { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(swept, "a later opener with the bucket to itself sweeps the unfinished blob")
    }

    @Test("a read in progress keeps its bytes when the key is overwritten or deleted")
    func readDuringOverwrite() async throws {
        try await R2Fixture.with { t, bucket in
            let old = R2Fixture.bytes(count: 300 * 1024, seed: 1)
            try await bucket.put("k", bytes: old)
            let reading = try #require(try await bucket.get("k"))
            var iterator = reading.body.makeAsyncIterator()
            var received = try #require(try await iterator.next()).readableBytesView.map { $0 }
            try await bucket.put("k", "new")
            try await bucket.delete("k")
            #expect(try R2Fixture.blobFiles(t).count == 1, "the old blob is kept while it is read")
            while let chunk = try await iterator.next() { received += chunk.readableBytesView }
            #expect(received == old)
            #expect(try R2Fixture.blobFiles(t).isEmpty, "and removed once the read is done")
        }
    }

    @Test("bucket names that are not a single safe path segment are refused")
    func bucketNames() throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for bad in ["..", "../x", "a/b", ".hidden", ""] {
            let error = #expect(throws: R2Error.self) { try R2Store(stateDirectory: dir, bucketName: bad, clock: RuntimeClock()) }
            #expect(error?.errorCode == 10005)
        }
    }

    @Test("CLI: outpost r2 object put/get/head/delete share state with the runtime")
    func cliRoundTrip() async throws {
        let runtime = try TestRuntime(config: R2Fixture.config, script: R2Fixture.script)
        defer { runtime.removeDirectory() }
        let dir = runtime.directory
        let common = ["--config", dir + "/wrangler.toml", "--persist-to", dir + "/state"]
        let payload = Data(R2Fixture.bytes(count: 700 * 1024, seed: 7))
        let input = dir + "/in.bin"
        _ = FileManager.default.createFile(atPath: input, contents: payload)

        // While the in-process runtime has the bucket open, the CLI writes and reads it.
        try await runtime.run { t in
            let bucket = try t.env.r2("MEDIA")
            try await bucket.put("from-runtime", "hello")

            let put = try await CLIProcess.run(["r2", "object", "put", "media/docs/../in.bin", "--file", input, "--content-type", "application/octet-stream"] + common)
            #expect(put.status == 0, "\(put.stderr)")
            let json = try JSONValue.parse(Array(put.stdoutData))
            #expect(json["etag"]?.stringValue == R2Fixture.md5Hex(payload))
            #expect(json["size"]?.intValue == payload.count)
            let seen = try #require(try await bucket.head("docs/../in.bin"))
            #expect(seen.httpMetadata.contentType == "application/octet-stream")

            let get = try await CLIProcess.run(["r2", "object", "get", "media/from-runtime"] + common)
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout == "hello")

            let piped = try await CLIProcess.run(["r2", "object", "put", "media/piped"] + common, stdin: Data("from stdin".utf8))
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(try await bucket.get("piped")?.text() == "from stdin")
        }

        let output = dir + "/out.bin"
        let get = try await CLIProcess.run(["r2", "object", "get", "media/docs/../in.bin", "--file", output] + common)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(FileManager.default.contents(atPath: output) == payload)

        let head = try await CLIProcess.run(["r2", "object", "head", "media/piped"] + common)
        #expect(try JSONValue.parse(Array(head.stdoutData))["size"]?.intValue == 10)

        let delete = try await CLIProcess.run(["r2", "object", "delete", "media/piped"] + common)
        #expect(delete.status == 0)
        #expect(try JSONValue.parse(Array(delete.stdoutData))["success"]?.boolValue == true)
        let missing = try await CLIProcess.run(["r2", "object", "get", "media/piped"] + common)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("does not exist"))
        let unknown = try await CLIProcess.run(["r2", "object", "get", "nobucket/x"] + common)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no bucket named nobucket"))
    }
}
