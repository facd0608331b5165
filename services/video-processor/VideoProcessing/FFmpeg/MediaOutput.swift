import CAVFormat

/// An output file being muxed (an `AVFormatContext` for writing), closed and freed when released.
///
/// Not Sendable: each job builds its own and uses it on one thread.
final class MediaOutput {
    let context: UnsafeMutablePointer<AVFormatContext>

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
    static func create(format: String, path: String) throws(VideoError) -> MediaOutput {
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_alloc_output_context2(&context, nil, format, path)
        guard status >= 0, let context else {
            let cause = FFmpegError("avformat_alloc_output_context2", code: status)
            throw VideoError(.encodeFailed, "This FFmpeg build cannot write \(format) (\(cause.message)).", cause: cause)
        }
        return MediaOutput(context: context)
    }

    /// Whether encoders must put their headers in extradata (mp4, webm) rather than in the stream.
    var wantsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & outpost_avfmt_globalheader() != 0 }

    /// Adds a stream carrying what `encoder` (already open) produces.
    func addStream(for encoder: CodecContext) throws(VideoError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else { throw .outOfMemory("an output stream") }
        let status = avcodec_parameters_from_context(stream.pointee.codecpar, encoder.context)
        guard status >= 0 else { throw Self.failure("avcodec_parameters_from_context", status) }
        stream.pointee.time_base = encoder.context.pointee.time_base
        return stream
    }

    /// Opens the file (unless the muxer writes its own files) and writes the header.
    func begin(path: String, options: [String: String]) throws(VideoError) {
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
    func write(_ packet: Packet) throws(VideoError) {
        let status = av_interleaved_write_frame(context, packet.pointer)
        guard status >= 0 else { throw Self.failure("av_interleaved_write_frame", status) }
    }

    /// Flushes interleaving queues and writes the trailer (mp4 index, HLS end list).
    func finish() throws(VideoError) {
        let status = av_write_trailer(context)
        guard status >= 0 else { throw Self.failure("av_write_trailer", status) }
    }

    private static func failure(_ function: String, _ status: Int32) -> VideoError {
        let cause = FFmpegError(function, code: status)
        return VideoError(.encodeFailed, "Writing the output failed (\(cause.message)).", cause: cause)
    }
}
