import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a byte range of an object's blobs (one for a plain put, one per part for a multipart
/// upload) in chunks of at most 128 KiB, reading on a thread-pool thread. The first chunk is read
/// with the open, in the same trip to the pool, and the end needs no trip: a small object costs
/// one hop to the pool in all.
///
/// Holds the blobs it reads in the store's in-use registry until it is done or dropped, so an
/// overwrite or delete in this process unlinks them only after the read.
final class R2BlobReader: Sendable {
    static let chunkSize = 128 * 1024

    struct Segment: Sendable {
        let path: String
        let size: Int
    }

    private struct State: Sendable {
        var segments: [Segment]
        var index = 0
        var offset = 0
        var remaining: Int
        var fd: Int32 = -1
        /// The first chunk, read with the open.
        var prefetched: ByteBuffer?

        mutating func openCurrent() throws {
            guard fd < 0, index < segments.count else { return }
            fd = open(segments[index].path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw R2FileError.posix("open \(segments[index].path)") }
        }

        mutating func closeCurrent() {
            if fd >= 0 { close(fd) }
            fd = -1
        }

        mutating func readChunk() throws -> ByteBuffer? {
            while remaining > 0 {
                guard index < segments.count else { throw R2FileError(detail: "object metadata lists more bytes than its blobs hold", errnoValue: 0) }
                if offset >= segments[index].size {
                    closeCurrent()
                    index += 1
                    offset = 0
                    continue
                }
                try openCurrent()
                let n = min(R2BlobReader.chunkSize, segments[index].size - offset, remaining)
                var buffer = ByteBufferAllocator().buffer(capacity: n)
                let fd = self.fd
                let at = off_t(offset)
                let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: n) { raw -> Int in
                    while true {
                        let r = pread(fd, raw.baseAddress!, n, at)
                        if r < 0 && R2FileIO.lastErrno() == EINTR { continue }
                        if r < 0 { throw R2FileError.posix("read \(segments[index].path)") }
                        return r
                    }
                }
                guard got > 0 else { throw R2FileError(detail: "blob \(segments[index].path) is shorter than its metadata says", errnoValue: 0) }
                offset += got
                remaining -= got
                return buffer
            }
            closeCurrent()
            return nil
        }
    }

    private let state: NIOLockedValueBox<State>
    private let onDone: NIOLockedValueBox<(@Sendable () -> Void)?>

    /// Reads `length` bytes from `start` across `segments`; `onDone` runs once, when reading ends or the reader is dropped.
    init(segments: [Segment], start: Int, length: Int, onDone: @escaping @Sendable () -> Void) {
        var index = 0
        var offset = start
        while index < segments.count, offset >= segments[index].size {
            offset -= segments[index].size
            index += 1
        }
        self.state = NIOLockedValueBox(State(segments: segments, index: index, offset: offset, remaining: length))
        self.onDone = NIOLockedValueBox(onDone)
    }

    /// Opens the first blob and reads the first chunk now, so a blob deleted by another process
    /// shows up before the body is handed out.
    func openFirst() async throws {
        try await R2FileIO.pool.runIfActive { [state] in
            try state.withLockedValue { s in
                if s.remaining > 0 {
                    try s.openCurrent()
                    s.prefetched = try s.readChunk()
                }
            }
        }
    }

    /// The next chunk, or nil at the end.
    func next() async throws -> ByteBuffer? {
        let (ready, ended) = state.withLockedValue { s -> (ByteBuffer?, Bool) in
            defer { s.prefetched = nil }
            if s.prefetched == nil && s.remaining == 0 { s.closeCurrent() }
            return (s.prefetched, s.prefetched == nil && s.remaining == 0)
        }
        if let ready { return ready }
        if ended {
            finish()
            return nil
        }
        let chunk = try await R2FileIO.pool.runIfActive { [state] in
            try state.withLockedValue { try $0.readChunk() }
        }
        if chunk == nil { finish() }
        return chunk
    }

    private func finish() {
        let done = onDone.withLockedValue { d -> (@Sendable () -> Void)? in
            defer { d = nil }
            return d
        }
        done?()
    }

    deinit {
        state.withLockedValue { $0.closeCurrent() }
        finish()
    }

    /// The reader as an `AsyncSequence` for `Body(stream:)`.
    var sequence: Sequence { Sequence(reader: self) }

    struct Sequence: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let reader: R2BlobReader

        func makeAsyncIterator() -> Iterator { Iterator(reader: reader) }

        struct Iterator: AsyncIteratorProtocol {
            let reader: R2BlobReader
            mutating func next() async throws -> ByteBuffer? { try await reader.next() }
        }
    }
}
