import CAVFormat

/// Makes a thumbnail: seeks to the keyframe at or before the requested time, decodes forward to
/// the first frame whose time is at or after it, then scales and encodes that frame.
///
/// Times are measured from the start of the file's timeline (its format start time), the same
/// convention as `ffmpeg -ss T -i input`, so the two pick the same frame. When the time falls after
/// the last frame (but within the duration) the last frame is used.
public enum ThumbnailExtractor {
    /// Makes a thumbnail of the video at `path`.
    /// - Parameters:
    ///   - path: a seekable media file.
    ///   - request: time, size and format.
    ///   - progress: called with a fraction in 0…1 and a stage name while working.
    /// - Throws: ``VideoError``: `invalidParameter` for a time past the end, `unreadableInput`,
    ///   `noVideoStream`, `unsupportedCodec` or `decodeFailed` for unusable input.
    public static func thumbnail(
        path: String, request: ThumbnailRequest, progress: (Double, String) -> Void = { _, _ in },
        isCancelled: () -> Bool = { false }
    ) throws(VideoError) -> Thumbnail {
        progress(0, "opening")
        let session = try Session(path: path, autorotate: request.autorotate)
        if let duration = session.duration, request.timestamp > duration + 1e-6 {
            throw VideoError(.invalidParameter, "timestamp \(request.timestamp) is past the end of the video (duration \(duration) s).")
        }
        let frame = try session.frame(at: request.timestamp, seek: request.timestamp > 0, progress: { fraction in
            progress(0.1 + 0.8 * fraction, "decoding")
        }, isCancelled: isCancelled)
        progress(0.9, "encoding")
        let thumbnail = try session.encode(frame, request: request)
        progress(1, "done")
        return thumbnail
    }

    /// Makes a thumbnail at each of `times` (seconds, any order; the thumbnails come back in that
    /// order) from one opened input instead of a job each. The times are visited in increasing
    /// order, and a time whose keyframe was already passed is reached by decoding on instead of
    /// seeking back, so times within one keyframe interval share its decode. Times past the end are a 400.
    public static func thumbnails(
        path: String, times: [Double], request: ThumbnailRequest, progress: (Double, String) -> Void = { _, _ in },
        isCancelled: () -> Bool = { false }
    ) throws(VideoError) -> [Thumbnail] {
        progress(0, "opening")
        let session = try Session(path: path, autorotate: request.autorotate)
        if let duration = session.duration, let late = times.first(where: { $0 > duration + 1e-6 }) {
            throw VideoError(.invalidParameter, "timestamp \(late) is past the end of the video (duration \(duration) s).")
        }
        var thumbnails = [Thumbnail?](repeating: nil, count: times.count)
        let share = 1 / Double(max(times.count, 1))
        for (step, index) in times.indices.sorted(by: { times[$0] < times[$1] }).enumerated() {
            let time = times[index]
            let frame = try session.nextFrame(at: time, progress: { fraction in
                progress((Double(step) + 0.9 * fraction) * share, "decoding")
            }, isCancelled: isCancelled)
            var timed = request
            timed.timestamp = time
            thumbnails[index] = try session.encode(frame, request: timed)
        }
        progress(1, "done")
        return thumbnails.compactMap { $0 }
    }

    /// The times `0, interval, 2·interval…` before the end of the video at `path`, at most `limit`.
    public static func times(path: String, interval: Double, limit: Int) throws(VideoError) -> [Double] {
        let session = try Session(path: path)
        guard let duration = session.duration, duration > 0 else { return [0] }
        let count = min(limit, max(1, Int((duration / interval).rounded(.up))))
        return (0..<count).map { Double($0) * interval }.filter { $0 < duration }
    }

    /// The video's duration in seconds (nil when unknown).
    public static func duration(path: String) throws(VideoError) -> Double? {
        try Session(path: path).duration
    }

    /// An opened input and video decoder, reused for every time of a job. Its frames come out
    /// upright (the stream's display matrix applied) unless `autorotate` is off.
    final class Session {
        let input: MediaInput
        let streamIndex: Int32
        let decoder: CodecContext
        let timeBase: AVRational
        let duration: Double?
        /// The turn applied to every frame.
        let rotation: DisplayRotation
        /// The time (stream time base) of the last frame `frame(at:)` returned, while the decoder
        /// can go on from it; nil before the first and after the end of the stream was reached.
        private(set) var position: Int64?

        init(path: String, autorotate: Bool = true) throws(VideoError) {
            input = try MediaInput.open(path: path)
            var decoderCodec: UnsafePointer<AVCodec>?
            let streamIndex = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoderCodec, 0)
            if streamIndex == outpost_averror_decoder_not_found() {
                throw VideoError(.unsupportedCodec, "The video stream's codec has no decoder in this FFmpeg build; see GET /formats for the codecs supported.")
            }
            guard streamIndex >= 0, let decoderCodec else {
                throw VideoError(.noVideoStream, "The input has no video stream (it has: \(input.streamKinds)); a thumbnail needs video.")
            }
            self.streamIndex = streamIndex
            let stream = input.streams[Int(streamIndex)]
            timeBase = stream.pointee.time_base
            duration = ThumbnailExtractor.videoDuration(stream: stream, input: input)
            rotation = autorotate ? DisplayRotation(stream: stream) : .none
            decoder = try CodecContext(codec: decoderCodec)
            let status = avcodec_parameters_to_context(decoder.context, stream.pointee.codecpar)
            guard status >= 0 else {
                let cause = FFmpegError("avcodec_parameters_to_context", code: status)
                throw VideoError(.unsupportedCodec, "The video stream's parameters are invalid (\(cause.message)).", cause: cause)
            }
            decoder.context.pointee.pkt_timebase = timeBase
            // One thread per job: the service already runs several jobs at once, and frame threading
            // would only delay the frame we want.
            decoder.context.pointee.thread_count = 1
            try decoder.open(failure: .unsupportedCodec, what: "video decoder")
        }

        /// The first frame at or after `timestamp` (the last frame when it is past the end), upright.
        func frame(at timestamp: Double, seek: Bool, progress: (Double) -> Void, isCancelled: () -> Bool) throws(VideoError) -> Frame {
            let microseconds = Int64((timestamp * Double(outpost_av_time_base())).rounded()) + input.startTime
            let target = av_rescale_q(microseconds, outpost_av_time_base_q(), timeBase)
            if seek {
                // Land on the last keyframe at or before the target. If the container cannot seek, the
                // read position is unchanged and decoding forward from there is correct, if slower.
                if avformat_seek_file(input.context, streamIndex, Int64.min, target, target, 0) < 0 {
                    _ = av_seek_frame(input.context, streamIndex, target, outpost_avseek_flag_backward())
                }
                avcodec_flush_buffers(decoder.context)
            }
            position = nil
            let frame = try ThumbnailExtractor.decodeFrame(
                at: target, input: input, streamIndex: streamIndex, decoder: decoder, timeBase: timeBase,
                progress: progress, isCancelled: isCancelled
            )
            // A frame before the target is the last one: the decoder is drained and cannot go on.
            if let time = frame.presentationTime, time >= target { position = time }
            return try rotation.apply(to: frame, timeBase: timeBase)
        }

        /// The first frame at or after `timestamp` (the last frame when it is past the end), upright:
        /// reached by decoding on from the last frame returned when ``decodesForward(to:)``, else by a seek.
        func nextFrame(at timestamp: Double, progress: (Double) -> Void, isCancelled: () -> Bool) throws(VideoError) -> Frame {
            guard decodesForward(to: timestamp) else { return try frame(at: timestamp, seek: true, progress: progress, isCancelled: isCancelled) }
            do {
                return try frame(at: timestamp, seek: false, progress: progress, isCancelled: isCancelled)
            } catch where error.code == .decodeFailed {
                // The stream ended before the time: its last frame is decoded again from its keyframe.
                return try frame(at: timestamp, seek: true, progress: progress, isCancelled: isCancelled)
            }
        }

        /// Whether `frame(at: timestamp, seek: false)` finds the frame at `timestamp` with no more
        /// decoding than a seek: the time is after the last frame returned, and the keyframe a seek
        /// would land on (from the container's index) is not after that frame.
        func decodesForward(to timestamp: Double) -> Bool {
            guard let position else { return false }
            let microseconds = Int64((timestamp * Double(outpost_av_time_base())).rounded()) + input.startTime
            let target = av_rescale_q(microseconds, outpost_av_time_base_q(), timeBase)
            guard target > position else { return false }
            let stream = input.streams[Int(streamIndex)]
            let entry = av_index_search_timestamp(stream, target, outpost_avseek_flag_backward())
            guard entry >= 0, let keyframe = avformat_index_get_entry(stream, entry) else { return false }
            return keyframe.pointee.timestamp <= position
        }

        /// Scales and encodes `frame` as `request` says.
        func encode(_ frame: Frame, request: ThumbnailRequest) throws(VideoError) -> Thumbnail {
            let sourceWidth = Int(frame.pointer.pointee.width)
            let sourceHeight = Int(frame.pointer.pointee.height)
            let size = request.outputSize(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
            let bytes = try FrameEncoder.encode(frame, width: size.width, height: size.height, format: request.format, quality: request.quality)
            return Thumbnail(bytes: bytes, info: .init(
                format: request.format, width: size.width, height: size.height,
                sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                requestedTimestamp: request.timestamp, frameTimestamp: frameTime(frame) ?? request.timestamp,
                keyFrame: frame.pointer.pointee.key_frame != 0, size: bytes.count
            ))
        }

        /// The frame's time in seconds from the start of the file.
        func frameTime(_ frame: Frame) -> Double? {
            frame.presentationTime.map { Double($0) * av_q2d(timeBase) - Double(input.startTime) / Double(outpost_av_time_base()) }
        }
    }

    /// The video's duration in seconds: the stream's, else the container's.
    static func videoDuration(stream: UnsafeMutablePointer<AVStream>, input: MediaInput) -> Double? {
        let value = stream.pointee.duration
        if value != outpost_av_nopts_value(), value > 0 {
            return Double(value) * av_q2d(stream.pointee.time_base)
        }
        return input.duration
    }

    /// Reads and decodes packets until a frame at or after `target` (stream time base) comes out.
    static func decodeFrame(
        at target: Int64, input: MediaInput, streamIndex: Int32, decoder: CodecContext,
        timeBase: AVRational, progress: (Double) -> Void, isCancelled: () -> Bool
    ) throws(VideoError) -> Frame {
        let packet = try Packet()
        let frame = try Frame()
        let last = try Frame()
        var firstTime: Int64?
        var lastError: FFmpegError?
        var draining = false

        while true {
            if isCancelled() { throw VideoError(.cancelled, "The job was cancelled while decoding.") }
            // Frames the decoder already holds come out first (a decoder that goes on from an
            // earlier call may hold some), so it always has room for the next packet.
            while true {
                let received = avcodec_receive_frame(decoder.context, frame.pointer)
                if received == outpost_averror_eagain() && !draining { break }
                if received < 0 {
                    if received != outpost_averror_eof() && received != outpost_averror_eagain() {
                        lastError = FFmpegError("avcodec_receive_frame", code: received)
                        if !draining { break }
                    }
                    // Drained: the time is after the last frame (or nothing decoded at all).
                    guard last.hasData else {
                        throw VideoError(
                            .decodeFailed,
                            "No video frame could be decoded\(lastError.map { " (\($0.message))" } ?? ""); the video data is probably corrupt.",
                            cause: lastError
                        )
                    }
                    return last
                }
                guard let time = frame.presentationTime else {
                    last.take(from: frame)
                    continue
                }
                if time >= target { return frame }
                if firstTime == nil { firstTime = time }
                if let start = firstTime, target > start {
                    progress(Double(time - start) / Double(target - start))
                }
                last.take(from: frame)
            }
            if !draining {
                let status = av_read_frame(input.context, packet.pointer)
                if status < 0 {
                    if status != outpost_averror_eof() { lastError = FFmpegError("av_read_frame", code: status) }
                    draining = true
                    _ = avcodec_send_packet(decoder.context, nil)
                } else {
                    defer { av_packet_unref(packet.pointer) }
                    guard packet.pointer.pointee.stream_index == streamIndex else { continue }
                    let sent = avcodec_send_packet(decoder.context, packet.pointer)
                    // A damaged packet is skipped; decoding goes on with the next one.
                    if sent < 0 && sent != outpost_averror_eagain() {
                        lastError = FFmpegError("avcodec_send_packet", code: sent)
                    }
                }
            }
        }
    }
}
