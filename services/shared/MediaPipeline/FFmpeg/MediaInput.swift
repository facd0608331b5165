package import CAVFormat

/// An open input file (an `AVFormatContext`) with its streams probed; closed when released.
///
/// Not Sendable: each job opens its own and uses it on one thread.
package final class MediaInput {
    package let context: UnsafeMutablePointer<AVFormatContext>
    /// Frees a caller's custom I/O (see ``open(customIO:format:onClose:)``) after the context is closed.
    private var onClose: (() -> Void)?

    private init(path: String, customIO: UnsafeMutablePointer<AVIOContext>? = nil, format: String? = nil) throws(MediaError) {
        var opened: UnsafeMutablePointer<AVFormatContext>?
        if let customIO {
            opened = avformat_alloc_context()
            guard opened != nil else { throw .outOfMemory("the input context") }
            opened?.pointee.pb = customIO
            opened?.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        }
        let status = avformat_open_input(&opened, path, format.flatMap { av_find_input_format($0) }, nil)
        guard status >= 0, let opened else {
            // avformat_open_input frees the context itself when it fails.
            let cause = FFmpegError("avformat_open_input", code: status)
            throw MediaError(.unreadableInput, "The input is not a media file FFmpeg can read (\(cause.message)). Check that it is a complete, uncorrupted video file.", cause: cause)
        }
        context = opened
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&owned)
        onClose?()
    }

    /// Opens `path` and reads enough of it to know its streams.
    package static func open(path: String) throws(MediaError) -> MediaInput {
        let input = try MediaInput(path: path)
        let status = avformat_find_stream_info(input.context, nil)
        guard status >= 0 else {
            let cause = FFmpegError("avformat_find_stream_info", code: status)
            throw MediaError(.unreadableInput, "The input's streams could not be read (\(cause.message)); the file is probably corrupt or truncated.", cause: cause)
        }
        guard input.context.pointee.nb_streams > 0 else {
            throw MediaError(.unreadableInput, "The input contains no audio or video streams.")
        }
        return input
    }

    /// Opens a stream read through `customIO` (a live ingest, not a file), with its format
    /// probed or named (`mpegts`); `onClose` frees the I/O context once the input is closed
    /// (also when opening fails).
    package static func open(customIO: UnsafeMutablePointer<AVIOContext>, format: String? = nil, onClose: @escaping () -> Void) throws(MediaError) -> MediaInput {
        let input: MediaInput
        do {
            input = try MediaInput(path: "", customIO: customIO, format: format)
        } catch {
            onClose()
            throw error
        }
        input.onClose = onClose
        let status = avformat_find_stream_info(input.context, nil)
        guard status >= 0 else {
            let cause = FFmpegError("avformat_find_stream_info", code: status)
            throw MediaError(.unreadableInput, "The stream's tracks could not be read (\(cause.message)).", cause: cause)
        }
        guard input.context.pointee.nb_streams > 0 else {
            throw MediaError(.unreadableInput, "The stream contains no audio or video tracks.")
        }
        return input
    }

    /// The streams, in file order.
    package var streams: [UnsafeMutablePointer<AVStream>] {
        let count = Int(context.pointee.nb_streams)
        guard let list = context.pointee.streams else { return [] }
        return (0..<count).compactMap { list[$0] }
    }

    /// Where the file's timeline starts, in AV_TIME_BASE units (0 when unknown).
    package var startTime: Int64 {
        let start = context.pointee.start_time
        return start == outpost_av_nopts_value() ? 0 : start
    }

    /// The duration in seconds, when known.
    package var duration: Double? {
        let duration = context.pointee.duration
        guard duration != outpost_av_nopts_value(), duration > 0 else { return nil }
        return Double(duration) / Double(outpost_av_time_base())
    }
}

extension MediaInput {
    /// The kinds of the streams, for error messages: `audio, data`, or `no streams`.
    package var streamKinds: String {
        let kinds = streams.compactMap { av_get_media_type_string($0.pointee.codecpar.pointee.codec_type).map { String(cString: $0) } }
        return kinds.isEmpty ? "no streams" : kinds.joined(separator: ", ")
    }

    /// Whether the input has an audio stream (decodable or not).
    package var hasAudio: Bool {
        streams.contains { $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO }
    }
}
