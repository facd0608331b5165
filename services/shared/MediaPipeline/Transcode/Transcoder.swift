import CAVFormat

/// Decodes an input once and re-encodes the streams it keeps through libavfilter into one output
/// file (or an HLS playlist and its segments): the engine behind `process`, `compress`,
/// `watermark` and `extract-audio`.
///
/// Memory stays flat: one packet and a few frames per stream are alive at a time, and the output
/// goes to a file as it is muxed. Progress comes from the decoded frames' timestamps against the
/// input's duration; `isCancelled` is checked per packet, so a cancel stops within one frame's work.
package enum Transcoder {
    /// Encodes the file at `inputPath` as `settings` say.
    /// - Throws: ``MediaError``: `noVideoStream`/`noAudioStream` when a required stream is missing,
    ///   `unreadableInput`/`decodeFailed` for unusable input, `cancelled`, `encodeFailed`.
    package static func run(
        inputPath: String, settings: EncodeSettings, progress: (Double, String) -> Void = { _, _ in },
        isCancelled: () -> Bool = { false }
    ) throws(MediaError) -> EncodeSummary {
        progress(0, "opening")
        let input = try MediaInput.open(path: inputPath)
        let output = try MediaOutput.create(format: settings.muxer, path: settings.path)
        var lanes: [TranscodeLane] = []
        if let video = settings.video {
            lanes.append(try TranscodeLane.video(input: input, settings: video, output: output))
        }
        if let audio = settings.audio, let lane = try TranscodeLane.audio(input: input, settings: audio, output: output, required: settings.requireAudio) {
            lanes.append(lane)
        }
        guard !lanes.isEmpty else { throw MediaError(.internalError, "The encode keeps no stream.") }
        var cover: CoverPicture?
        if let coverPath = settings.coverPath {
            cover = try CoverPicture(path: coverPath)
            try cover?.addStream(to: output)
        }
        output.setMetadata(settings.metadata)
        try output.addChapters(settings.chapters)
        try output.begin(path: settings.path, options: settings.muxerOptions)
        try cover?.write(to: output)

        let duration = input.duration ?? 0
        let clock = lanes[0]
        var lastReported = -1.0
        func report(_ seconds: Double) {
            guard duration > 0 else { return }
            let fraction = min(max(seconds / duration, 0), 1)
            if fraction - lastReported >= 0.005 {
                lastReported = fraction
                progress(0.02 + 0.96 * fraction, "transcoding")
            }
        }
        let packet = try Packet()
        progress(0.02, "transcoding")
        while true {
            if isCancelled() { throw MediaError(.cancelled, "The job was cancelled while transcoding.") }
            let status = av_read_frame(input.context, packet.pointer)
            if status < 0 { break }
            defer { av_packet_unref(packet.pointer) }
            guard let lane = lanes.first(where: { $0.inputIndex == packet.pointer.pointee.stream_index }) else { continue }
            try lane.decode(packet, output: output)
            if lane === clock { report(lane.decodedSeconds) }
        }
        progress(0.98, "finishing")
        for lane in lanes {
            if isCancelled() { throw MediaError(.cancelled, "The job was cancelled while transcoding.") }
            try lane.decode(nil, output: output)
        }
        for lane in lanes where lane.framesDecoded == 0 {
            throw MediaError(
                .decodeFailed,
                "No \(lane.isVideo ? "video" : "audio") frame could be decoded\(lane.lastError.map { " (\($0.message))" } ?? ""); the input is probably corrupt or truncated.",
                cause: lane.lastError
            )
        }
        try output.finish()
        progress(1, "done")

        var summary = EncodeSummary(videoFrames: 0, duration: clock.decodedSeconds)
        for lane in lanes {
            let encoder = lane.encoder.context.pointee
            let codec = String(cString: avcodec_get_name(encoder.codec_id))
            if lane.isVideo {
                summary.videoCodec = codec
                summary.width = Int(encoder.width)
                summary.height = Int(encoder.height)
                summary.frameRate = encoder.framerate.den > 0 ? av_q2d(encoder.framerate) : nil
                summary.videoFrames = lane.framesEncoded
            } else {
                summary.audioCodec = codec
                summary.sampleRate = Int(encoder.sample_rate)
                summary.channels = Int(encoder.ch_layout.nb_channels)
            }
        }
        return summary
    }
}
