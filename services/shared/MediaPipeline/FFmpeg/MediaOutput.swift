package import CAVFormat

/// An output file being muxed (an `AVFormatContext` for writing), closed and freed when released.
///
/// Not Sendable: each job builds its own and uses it on one thread.
package final class MediaOutput {
    package let context: UnsafeMutablePointer<AVFormatContext>

    private init(context: UnsafeMutablePointer<AVFormatContext>) {
        self.context = context
    }

    deinit {
        if context.pointee.oformat.pointee.flags & outpost_avfmt_nofile() == 0, context.pointee.pb != nil {
            avio_closep(&context.pointee.pb)
        }
        avformat_free_context(context)
    }

    /// Creates a muxer of `format` (an FFmpeg muxer name such as `mp4`, `webm`, `hls`) writing `path`.
    package static func create(format: String, path: String) throws(MediaError) -> MediaOutput {
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_alloc_output_context2(&context, nil, format, path)
        guard status >= 0, let context else {
            let cause = FFmpegError("avformat_alloc_output_context2", code: status)
            throw MediaError(.encodeFailed, "This FFmpeg build cannot write \(format) (\(cause.message)).", cause: cause)
        }
        return MediaOutput(context: context)
    }

    /// Whether encoders must put their headers in extradata (mp4, webm) rather than in the stream.
    package var wantsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & outpost_avfmt_globalheader() != 0 }

    /// Adds a stream carrying what `encoder` (already open) produces.
    package func addStream(for encoder: CodecContext) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else { throw .outOfMemory("an output stream") }
        let status = avcodec_parameters_from_context(stream.pointee.codecpar, encoder.context)
        guard status >= 0 else { throw Self.failure("avcodec_parameters_from_context", status) }
        stream.pointee.time_base = encoder.context.pointee.time_base
        return stream
    }

    /// Sets container tags (`title`, `artist`, `album`…); call before ``begin(path:options:)``.
    /// Ogg keeps its tags per stream (Vorbis comments in each stream's header), so there they go
    /// on every stream added so far as well.
    package func setMetadata(_ tags: [String: String]) {
        let perStream = String(cString: context.pointee.oformat.pointee.name) == "ogg"
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            av_dict_set(&context.pointee.metadata, key, value, 0)
            guard perStream, let streams = context.pointee.streams else { continue }
            for index in 0..<Int(context.pointee.nb_streams) {
                if let stream = streams[index] { av_dict_set(&stream.pointee.metadata, key, value, 0) }
            }
        }
    }

    /// Adds chapters (in milliseconds) for the muxer to write; call before ``begin(path:options:)``.
    /// They are freed with the context.
    package func addChapters(_ chapters: [Chapter]) throws(MediaError) {
        guard !chapters.isEmpty else { return }
        let count = Int(context.pointee.nb_chapters)
        let size = MemoryLayout<UnsafeMutablePointer<AVChapter>?>.stride
        guard let raw = av_realloc_array(UnsafeMutableRawPointer(context.pointee.chapters), count + chapters.count, size) else {
            throw .outOfMemory("the chapter list")
        }
        let list = raw.bindMemory(to: UnsafeMutablePointer<AVChapter>?.self, capacity: count + chapters.count)
        context.pointee.chapters = list
        for (offset, chapter) in chapters.enumerated() {
            guard let memory = av_mallocz(MemoryLayout<AVChapter>.size) else { throw .outOfMemory("a chapter") }
            let entry = memory.bindMemory(to: AVChapter.self, capacity: 1)
            entry.pointee.id = Int64(count + offset + 1)
            entry.pointee.time_base = AVRational(num: 1, den: 1000)
            entry.pointee.start = Int64((chapter.start * 1000).rounded())
            entry.pointee.end = Int64((chapter.end * 1000).rounded())
            av_dict_set(&entry.pointee.metadata, "title", chapter.title, 0)
            list[count + offset] = entry
            context.pointee.nb_chapters = UInt32(count + offset + 1)
        }
    }

    /// Opens the file (unless the muxer writes its own files) and writes the header.
    package func begin(path: String, options: [String: String]) throws(MediaError) {
        if context.pointee.oformat.pointee.flags & outpost_avfmt_nofile() == 0 {
            let status = avio_open(&context.pointee.pb, path, outpost_avio_flag_write())
            guard status >= 0 else { throw Self.failure("avio_open", status) }
        }
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        let status = avformat_write_header(context, &dictionary)
        guard status >= 0 else { throw Self.failure("avformat_write_header", status) }
    }

    /// Writes one encoded packet (its data moves into the muxer).
    package func write(_ packet: Packet) throws(MediaError) {
        let status = av_interleaved_write_frame(context, packet.pointer)
        guard status >= 0 else { throw Self.failure("av_interleaved_write_frame", status) }
    }

    /// Flushes interleaving queues and writes the trailer (mp4 index, HLS end list).
    package func finish() throws(MediaError) {
        let status = av_write_trailer(context)
        guard status >= 0 else { throw Self.failure("av_write_trailer", status) }
    }

    private static func failure(_ function: String, _ status: Int32) -> MediaError {
        let cause = FFmpegError(function, code: status)
        return MediaError(.encodeFailed, "Writing the output failed (\(cause.message)).", cause: cause)
    }
}
