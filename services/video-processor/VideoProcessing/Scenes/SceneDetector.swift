import CAVFormat

/// Finds scene cuts with libavfilter's `scdet` (the mean absolute frame difference, 0…100, with
/// the change in it), on frames scaled down to 320 px wide to keep it cheap.
public enum SceneDetector {
    /// `scdet`'s own default: a frame scoring at least this starts a new scene.
    public static let defaultThreshold = 10.0
    /// Scenes shorter than this are merged into the one before, by default.
    public static let defaultMinSceneSeconds = 0.5

    /// One scene: where it starts and ends (seconds from the start of the file) and the score of
    /// the cut that began it (0 for the first scene).
    public struct Scene: Sendable, Codable, Equatable {
        public var start: Double
        public var end: Double
        public var score: Double
    }

    /// The `scenes` result.
    public struct Result: Sendable, Codable, Equatable {
        public var scenes: [Scene]
        public var threshold: Double
        public var minSceneSeconds: Double
        public var duration: Double
    }

    /// Detects the scenes of the video at `path`.
    public static func detect(
        path: String, threshold: Double = defaultThreshold, minSceneSeconds: Double = defaultMinSceneSeconds,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: () -> Bool = { false }
    ) throws(VideoError) -> Result {
        progress(0, "opening")
        let input = try MediaInput.open(path: path)
        var decoderCodec: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoderCodec, 0)
        guard index >= 0, let decoderCodec else {
            throw VideoError(.noVideoStream, "The input has no video stream (it has: \(input.streamKinds)); scene detection needs video.")
        }
        let stream = input.streams[Int(index)]
        let decoder = try TranscodeLane.openDecoder(decoderCodec, stream: stream)
        let timeBase = stream.pointee.time_base
        let startOffset = av_rescale_q(input.startTime, outpost_av_time_base_q(), timeBase)
        let context = decoder.context.pointee
        guard context.width > 0, context.height > 0, let formatName = av_get_pix_fmt_name(context.pix_fmt) else {
            throw VideoError(.decodeFailed, "The video stream has no picture size or pixel format; the file is probably corrupt.")
        }
        let arguments = "video_size=\(context.width)x\(context.height):pix_fmt=\(String(cString: formatName)):time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=1/1"
        let graph = try FilterGraph.make(video: true, sourceArguments: arguments, description: "scale=320:-2,scdet=threshold=\(threshold)")

        let duration = input.duration ?? 0
        let packet = try Packet()
        let decoded = try Frame()
        let filtered = try Frame()
        var cuts: [(time: Double, score: Double)] = []
        var lastEnd = 0.0
        var frames = 0
        var lastError: FFmpegError?

        func drain() throws(VideoError) {
            while graph.pull(into: filtered) >= 0 {
                defer { av_frame_unref(filtered.pointer) }
                frames += 1
                let pts = filtered.pointer.pointee.pts
                let time = pts == outpost_av_nopts_value() ? lastEnd : Double(pts) * av_q2d(graph.timeBase)
                lastEnd = max(lastEnd, time + max(0, Double(filtered.pointer.pointee.pkt_duration) * av_q2d(graph.timeBase)))
                let metadata = filtered.pointer.pointee.metadata
                guard av_dict_get(metadata, "lavfi.scd.time", nil, 0) != nil, time > 0,
                      let entry = av_dict_get(metadata, "lavfi.scd.score", nil, 0) else { continue }
                cuts.append((time, Double(String(cString: entry.pointee.value)) ?? threshold))
            }
        }

        progress(0.02, "detecting")
        while true {
            if isCancelled() { throw VideoError(.cancelled, "The job was cancelled while detecting scenes.") }
            let status = av_read_frame(input.context, packet.pointer)
            let atEnd = status < 0
            defer { if !atEnd { av_packet_unref(packet.pointer) } }
            if !atEnd && packet.pointer.pointee.stream_index != index { continue }
            let sent = avcodec_send_packet(decoder.context, atEnd ? nil : packet.pointer)
            if sent < 0 && sent != outpost_averror_eof() { lastError = FFmpegError("avcodec_send_packet", code: sent) }
            while true {
                let received = avcodec_receive_frame(decoder.context, decoded.pointer)
                if received < 0 {
                    if received != outpost_averror_eagain() && received != outpost_averror_eof() { lastError = FFmpegError("avcodec_receive_frame", code: received) }
                    break
                }
                let best = decoded.pointer.pointee.best_effort_timestamp
                decoded.pointer.pointee.pts = best == outpost_av_nopts_value() ? best : best - startOffset
                try graph.push(decoded)
                try drain()
            }
            if atEnd {
                try graph.push(nil)
                try drain()
                break
            }
            if duration > 0 { progress(0.02 + 0.96 * min(lastEnd / duration, 1), "detecting") }
        }
        guard frames > 0 else {
            throw VideoError(.decodeFailed, "No video frame could be decoded\(lastError.map { " (\($0.message))" } ?? ""); the input is probably corrupt or truncated.", cause: lastError)
        }

        var scenes = [Scene(start: 0, end: lastEnd, score: 0)]
        for cut in cuts where cut.time - scenes[scenes.count - 1].start >= minSceneSeconds {
            scenes[scenes.count - 1].end = cut.time
            scenes.append(Scene(start: cut.time, end: lastEnd, score: cut.score))
        }
        // A last scene shorter than the minimum joins the one before.
        if scenes.count > 1, lastEnd - scenes[scenes.count - 1].start < minSceneSeconds {
            scenes.removeLast()
            scenes[scenes.count - 1].end = lastEnd
        }
        progress(1, "done")
        return Result(scenes: scenes, threshold: threshold, minSceneSeconds: minSceneSeconds, duration: lastEnd)
    }
}
