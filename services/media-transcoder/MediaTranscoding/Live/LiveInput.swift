import CAVFormat

/// Opens a ``LiveIngest`` as a libavformat input through a custom `AVIOContext` (no file, no
/// seeking): the demuxer's reads block on the ingest's queue. The container (MPEG-TS or fMP4)
/// is probed from the first bytes.
enum LiveInput {
    /// What the read callback reaches through its opaque pointer.
    final class Reader {
        let ingest: LiveIngest
        let isCancelled: () -> Bool
        init(ingest: LiveIngest, isCancelled: @escaping () -> Bool) {
            self.ingest = ingest
            self.isCancelled = isCancelled
        }
    }

    /// Size of the I/O buffer libavformat reads through.
    static let bufferSize: Int32 = 64 * 1024

    /// Opens the stream once its publisher has sent enough to know its tracks (blocks until then).
    static func open(_ ingest: LiveIngest, isCancelled: @escaping () -> Bool) throws(MediaError) -> MediaInput {
        guard let buffer = av_malloc(Int(bufferSize)) else { throw .outOfMemory("the ingest buffer") }
        let reader = Unmanaged.passRetained(Reader(ingest: ingest, isCancelled: isCancelled))
        let read: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = { opaque, target, size in
            guard let opaque, let target else { return outpost_averror_eof() }
            let reader = Unmanaged<Reader>.fromOpaque(opaque).takeUnretainedValue()
            let count = reader.ingest.read(into: target, count: Int(size), isCancelled: reader.isCancelled)
            return count == 0 ? outpost_averror_eof() : Int32(count)
        }
        guard let io = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), bufferSize, 0, reader.toOpaque(), read, nil, nil) else {
            av_free(buffer)
            reader.release()
            throw .outOfMemory("the ingest I/O context")
        }
        io.pointee.seekable = 0
        return try MediaInput.open(customIO: io) {
            withUnsafeMutablePointer(to: &io.pointee.buffer) { av_freep($0) }
            var owned: UnsafeMutablePointer<AVIOContext>? = io
            avio_context_free(&owned)
            reader.release()
        }
    }
}
