import CAVFormat

/// The core of `hls-transcode` and `dash`: the input decoded once, its frames split in one
/// filter graph to an H.264 encoder per rendition, the audio to one AAC encoder, each into the
/// muxer its packaging gives it (an HLS muxer per rendition, or one DASH muxer for all).
///
/// Keyframes align across renditions: every encoder gets the same frames with the same
/// timestamps, a fixed GOP of `segmentSeconds × frame rate` frames, no scene-cut keyframes and
/// closed GOPs. Memory stays flat (a packet and a few frames per rendition at a time). Progress
/// comes from the decoded video's timestamps; `isCancelled` is checked per packet.
///
/// Not Sendable: built and used on the job's one thread.
final class LadderPipeline {
    /// The renditions made (those of the request that fit the source).
    let plan: [Rendition]
    /// Their output sizes, in plan order.
    let sizes: [(width: Int, height: Int)]
    let encoders: [StreamEncoder]
    /// The audio encoder's lane; nil when the input has no audio.
    let audio: TranscodeLane?
    let frameRate: AVRational
    /// Frames per GOP, the same in every rendition.
    let gop: Int32
    /// A frame about a second in (or a third of a short video), for a poster.
    let poster: Frame
    private(set) var decodedSeconds = 0.0

    private let input: MediaInput
    private let video: VideoSource
    private let graph: FilterGraph
    private let outputs: [MediaOutput]
    private let audioOutput: MediaOutput?
    private let posterTime: Double
    private var posterTaken = false
    private var framesDecoded = 0
    private var lastError: FFmpegError?
    private let decoded: Frame
    private let filtered: Frame

    /// The encoder's speed preset (the same for every rendition).
    static let preset = "veryfast"
    /// AAC bit rate of the audio.
    static let audioBitRate: Int64 = 128_000

    /// Opens the input and sets up the graph, encoders and muxers (headers written).
    /// - Parameters:
    ///   - videoOutput: the muxer of rendition `index` (the same one may serve several).
    ///   - audioOutput: the muxer of the audio; asked only when the input has audio.
    ///   - begin: writes the header of each distinct muxer once every stream is added.
    ///   - sizing: the output sizes from the sizes the ladder gives (DASH wants one aspect ratio).
    convenience init(inputPath: String, request: HLSRequest, sizing: ([(width: Int, height: Int)]) -> [(width: Int, height: Int)] = { $0 },
                     videoOutput: (Int, Rendition) throws(MediaError) -> MediaOutput,
                     audioOutput: () throws(MediaError) -> MediaOutput, begin: (MediaOutput) throws(MediaError) -> Void) throws(MediaError) {
        try self.init(input: try MediaInput.open(path: inputPath), request: request, sizing: sizing, videoOutput: videoOutput, audioOutput: audioOutput, begin: begin)
    }

    /// The same over an input already open (a live ingest, whose duration is unknown).
    init(input: MediaInput, request: HLSRequest, sizing: ([(width: Int, height: Int)]) -> [(width: Int, height: Int)] = { $0 },
         videoOutput: (Int, Rendition) throws(MediaError) -> MediaOutput,
         audioOutput: () throws(MediaError) -> MediaOutput, begin: (MediaOutput) throws(MediaError) -> Void) throws(MediaError) {
        let video = try VideoSource(input: input)
        // A phone video's display matrix is applied first, as the ffmpeg CLI does: the ladder is
        // planned on the upright picture and the renditions carry no rotation.
        let upright = video.rotation.upright(width: video.width, height: video.height)
        let plan = request.plan(width: upright.width, height: upright.height)
        guard !plan.isEmpty else { throw MediaError(.invalidParameter, "No quality was chosen.") }
        self.input = input
        self.video = video
        self.plan = plan

        // One graph: the decoded frames, turned upright, split to one scaler per rendition.
        let sizes = sizing(plan.map { $0.outputSize(width: upright.width, height: upright.height) })
        self.sizes = sizes
        let branches = sizes.enumerated().map { index, size in
            let scale = size.width == upright.width && size.height == upright.height ? "null" : "scale=\(size.width):\(size.height):flags=bicubic"
            return (sizes.count == 1 ? "" : "[s\(index)]") + "\(scale),format=yuv420p[out\(index)]"
        }
        let turn = video.rotation.filters.map { $0 + "," }.joined()
        let split = "[in]" + turn + (sizes.count == 1 ? "" : "split=\(sizes.count)" + (0..<sizes.count).map { "[s\($0)]" }.joined() + ";")
        let graph = try FilterGraph.make(video: true, sourceArguments: video.bufferArguments, description: split + branches.joined(separator: ";"), outputs: sizes.count)
        self.graph = graph

        var rate = video.guessedRate
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        frameRate = rate
        let gop = max(1, Int32((request.segmentSeconds * av_q2d(rate)).rounded()))
        self.gop = gop

        var outputs: [MediaOutput] = []
        var encoders: [StreamEncoder] = []
        for (index, rendition) in plan.enumerated() {
            let output = try videoOutput(index, rendition)
            let encoder = try CodecContext(codec: try TranscodeLane.findEncoder("libx264"))
            let context = encoder.context
            let sink = graph.sinks[index]
            context.pointee.width = av_buffersink_get_w(sink)
            context.pointee.height = av_buffersink_get_h(sink)
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.sample_aspect_ratio = av_buffersink_get_sample_aspect_ratio(sink)
            context.pointee.time_base = av_buffersink_get_time_base(sink)
            context.pointee.framerate = rate
            context.pointee.bit_rate = rendition.bitRate
            context.pointee.rc_max_rate = rendition.bitRate * 11 / 10
            context.pointee.rc_buffer_size = Int32(clamping: rendition.bitRate * 2)
            context.pointee.gop_size = gop
            context.pointee.keyint_min = gop
            context.pointee.thread_count = 0
            if output.wantsGlobalHeader { context.pointee.flags |= outpost_codec_flag_global_header() }
            try encoder.open(failure: .encodeFailed, what: "libx264 encoder (\(rendition.quality))", options: [
                "preset": Self.preset, "x264-params": "keyint=\(gop):min-keyint=\(gop):scenecut=0:open-gop=0",
            ])
            let frameDuration = max(1, av_rescale_q(1, av_inv_q(rate), context.pointee.time_base))
            let streamEncoder = try StreamEncoder(encoder: encoder, output: output, frameDuration: frameDuration)
            streamEncoder.stream.pointee.avg_frame_rate = rate
            if !outputs.contains(where: { $0 === output }) { outputs.append(output) }
            encoders.append(streamEncoder)
        }
        self.encoders = encoders

        // An input without audio, or whose audio has no decoder here, gets no audio rendition.
        if input.hasAudio, case let output = try audioOutput(),
           let lane = try TranscodeLane.audio(input: input, settings: EncodeSettings.Audio(encoder: "aac", bitRate: Self.audioBitRate), output: output, required: false) {
            audio = lane
            if !outputs.contains(where: { $0 === output }) { outputs.append(output) }
            self.audioOutput = output
        } else {
            audio = nil
            self.audioOutput = nil
        }
        self.outputs = outputs
        for output in outputs { try begin(output) }

        posterTime = min(1.0, (input.duration ?? 3) / 3)
        poster = try Frame()
        decoded = try Frame()
        filtered = try Frame()
    }

    /// Reads, decodes, filters, encodes and muxes the whole input, then finishes every muxer.
    func run(progress: (Double, String) -> Void, isCancelled: () -> Bool) throws(MediaError) {
        let duration = input.duration ?? 0
        var lastReported = -1.0
        let packet = try Packet()
        progress(0.01, "transcoding")
        while true {
            if isCancelled() { throw MediaError(.cancelled, "The job was cancelled while transcoding.") }
            let status = av_read_frame(input.context, packet.pointer)
            if status < 0 { break }
            defer { av_packet_unref(packet.pointer) }
            let streamIndex = packet.pointer.pointee.stream_index
            if streamIndex == video.index {
                try decode(packet)
                if duration <= 0 {
                    // A live input has no end to measure against: the caller hears of each packet.
                    progress(0.01, "transcoding")
                } else {
                    let fraction = min(max(decodedSeconds / duration, 0), 1)
                    if fraction - lastReported >= 0.005 {
                        lastReported = fraction
                        progress(0.01 + 0.95 * fraction, "transcoding")
                    }
                }
            } else if let audio, let audioOutput, streamIndex == audio.inputIndex {
                try audio.decode(packet, output: audioOutput)
            }
        }
        if isCancelled() { throw MediaError(.cancelled, "The job was cancelled while transcoding.") }
        progress(0.96, "finishing")
        try decode(nil)
        try graph.push(nil)
        try drain()
        for encoder in encoders { try encoder.encode(nil) }
        if let audio, let audioOutput { try audio.decode(nil, output: audioOutput) }
        guard framesDecoded > 0 else {
            throw MediaError(.decodeFailed, "No video frame could be decoded\(lastError.map { " (\($0.message))" } ?? ""); the input is probably corrupt or truncated.",
                             cause: lastError)
        }
        for output in outputs { try output.finish() }
    }

    private func decode(_ packet: Packet?) throws(MediaError) {
        let sent = avcodec_send_packet(video.decoder.context, packet?.pointer)
        // A damaged packet is skipped; decoding goes on with the next one.
        if sent < 0 && sent != outpost_averror_eagain() && sent != outpost_averror_eof() { lastError = FFmpegError("avcodec_send_packet", code: sent) }
        while true {
            let received = avcodec_receive_frame(video.decoder.context, decoded.pointer)
            if received == outpost_averror_eagain() || received == outpost_averror_eof() { break }
            if received < 0 {
                lastError = FFmpegError("avcodec_receive_frame", code: received)
                break
            }
            framesDecoded += 1
            let best = decoded.pointer.pointee.best_effort_timestamp
            if best != outpost_av_nopts_value() {
                let pts = best - video.startOffset
                decoded.pointer.pointee.pts = pts
                let seconds = Double(pts) * av_q2d(video.timeBase)
                decodedSeconds = max(decodedSeconds, seconds + Double(max(decoded.pointer.pointee.pkt_duration, 0)) * av_q2d(video.timeBase))
                if !posterTaken && (seconds >= posterTime || !poster.hasData) {
                    av_frame_unref(poster.pointer)
                    guard av_frame_ref(poster.pointer, decoded.pointer) >= 0 else { throw .outOfMemory("the poster frame") }
                    posterTaken = seconds >= posterTime
                }
            }
            try graph.push(decoded)
            try drain()
        }
    }

    /// Moves every filtered frame of every branch to its encoder.
    private func drain() throws(MediaError) {
        for (index, encoder) in encoders.enumerated() {
            while true {
                let status = graph.pull(into: filtered, sink: index)
                if status == outpost_averror_eagain() || status == outpost_averror_eof() { break }
                guard status >= 0 else {
                    let cause = FFmpegError("av_buffersink_get_frame", code: status)
                    throw MediaError(.encodeFailed, "Filtering failed (\(cause.message)).", cause: cause)
                }
                // The decoder's picture types would force the encoder's keyframes.
                filtered.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE
                defer { av_frame_unref(filtered.pointer) }
                try encoder.encode(filtered)
            }
        }
    }
}
