import Crypto
import Foundation
import Outpost
import OutpostTesting

/// A Worker that does nothing: the R2 tests call the binding directly.
struct R2NoopWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response { .text("ok") }
}

enum R2Fixture {
    static let config = """
        name = "r2-tests"
        compatibility_date = "2025-01-01"

        [[r2_buckets]]
        binding = "MEDIA"
        bucket_name = "media"
        """

    static var script: WorkerScript { WorkerScript(worker: R2NoopWorker()) }

    /// Boots a runtime with bucket `media` bound as MEDIA and runs `body`.
    @discardableResult
    static func with<T: Sendable>(_ body: @Sendable (TestRuntime, R2Bucket) async throws -> T) async throws -> T {
        try await TestRuntime.with(config: config, script: script) { t in
            try await body(t, try t.env.r2("MEDIA"))
        }
    }

    static func blobsDirectory(_ t: TestRuntime) -> String { t.stateDirectory + "/r2/media/blobs" }

    /// The files in the bucket's blob directory.
    static func blobFiles(_ t: TestRuntime) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: blobsDirectory(t)).sorted()
    }

    static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        var h = Insecure.MD5()
        h.update(data: Array(bytes))
        return hex(h.finalize())
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func unhex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// Deterministic pseudo-random bytes (xorshift), so big bodies need not be stored to be checked.
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out[i] = UInt8(truncatingIfNeeded: state)
        }
        return out
    }
}

/// A pull-based body: chunk `i` is made only when the consumer asks for it, so a producer can
/// never run ahead of what the consumer has written. `onChunk` sees each index before it is made.
struct R2GeneratedChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunkSize: Int
    let count: Int
    let onChunk: @Sendable (Int) throws -> Void

    func makeAsyncIterator() -> Iterator { Iterator(owner: self) }

    struct Iterator: AsyncIteratorProtocol {
        let owner: R2GeneratedChunks
        var index = 0

        mutating func next() async throws -> ByteBuffer? {
            guard index < owner.count else { return nil }
            try owner.onChunk(index)
            defer { index += 1 }
            return ByteBuffer(bytes: R2GeneratedChunks.chunk(index, size: owner.chunkSize))
        }
    }

    /// Chunk `i`: cheap to make, different for every index.
    static func chunk(_ i: Int, size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
        out.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for w in 0..<words.count {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
                words[w] = x
            }
        }
        return out
    }
}

