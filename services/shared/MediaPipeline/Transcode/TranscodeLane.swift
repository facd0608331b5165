package import CAVFormat

/// One kept stream of a transcode: its decoder, filter graph, encoder and output stream.
///
/// Not Sendable: built and used on the job's one thread.
package final class TranscodeLane {
    package let isVideo: Bool
    package let inputIndex: Int32
    package let decoder: CodecContext
    package let graph: FilterGraph
    /// The encoder and the output stream it writes.
    private let streamEncoder: StreamEncoder
    private let inputTimeBase: AVRational
    /// The input's start time in the stream's time base: subtracted so the output starts at 0.
    private let startOffset: Int64
    private let decoded: Frame
    private let filtered: Frame

    private(set) var framesDecoded = 0
    private(set) var decodedSeconds = 0.0
    private(set) var lastError: FFmpegError?

    package var encoder: CodecContext { streamEncoder.encoder }
    /// Video frames encoded (0 for audio).
    var framesEncoded: Int { isVideo ? streamEncoder.framesEncoded : 0 }

    /// - Parameter frameDuration: one frame's duration in the encoder's time base, set on video
    ///   packets that carry none (HLS needs it); 0 for audio.
    private init(isVideo: Bool, inputIndex: Int32, decoder: CodecContext, graph: FilterGraph, encoder: CodecContext,
                 output: MediaOutput, inputTimeBase: AVRational, startOffset: Int64, frameDuration: Int64, frameRate: AVRational? = nil) throws(MediaError) {
        self.isVideo = isVideo
        self.inputIndex = inputIndex
        self.decoder = decoder
        self.graph = graph
        streamEncoder = try StreamEncoder(encoder: encoder, output: output, frameDuration: frameDuration)
        if let frameRate { streamEncoder.stream.pointee.avg_frame_rate = frameRate }
        self.inputTimeBase = inputTimeBase
        self.startOffset = startOffset
        decoded = try Frame()
        filtered = try Frame()
    }

    /// The video lane: decoder → upright turn (unless `autorotate` is off), scale, fps, overlays,
    /// yuv420p → encoder. Turned, the output stream carries no display matrix; not turned, it
    /// keeps the input's.
    package static func video(input: MediaInput, settings: EncodeSettings.Video, output: MediaOutput) throws(MediaError) -> TranscodeLane {
        let video = try VideoSource(input: input)
        let (index, decoder, guessed, timeBase, width, height, arguments) = (video.index, video.decoder, video.guessedRate, video.timeBase, video.width, video.height, video.bufferArguments)

        // Turned upright first, so sizes and overlays refer to the picture as it is seen.
        let rotation = settings.rotation(of: video)
        var filters = rotation.filters
        let upright = rotation.upright(width: width, height: height)
        let size = settings.outputSize(for: video)
        if size.width != upright.width || size.height != upright.height { filters.append("scale=\(size.width):\(size.height):flags=bicubic") }
        if let rate = settings.frameRate { filters.append("fps=\(rate)") }
        filters += settings.overlays
        filters.append("format=yuv420p")
        let graph = try FilterGraph.make(video: true, sourceArguments: arguments, description: filters.joined(separator: ","))

        let encoder = try CodecContext(codec: try findEncoder(settings.encoder))
        let context = encoder.context
        context.pointee.width = graph.width
        context.pointee.height = graph.height
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.sample_aspect_ratio = graph.sampleAspectRatio
        context.pointee.time_base = graph.timeBase
        var rate = graph.frameRate
        if rate.num <= 0 || rate.den <= 0 { rate = guessed }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        context.pointee.framerate = rate
        context.pointee.thread_count = 0
        if let bitRate = settings.bitRate { context.pointee.bit_rate = bitRate }
        var options = settings.options
        if let seconds = settings.keyframeSeconds {
            let gop = max(1, Int32((seconds * av_q2d(rate)).rounded()))
            context.pointee.gop_size = gop
            context.pointee.keyint_min = gop
            if settings.encoder == "libx264" { options["x264-params"] = "keyint=\(gop):min-keyint=\(gop):scenecut=0" }
        }
        if output.wantsGlobalHeader { context.pointee.flags |= outpost_codec_flag_global_header() }
        switch settings.pass {
        case 1?: context.pointee.flags |= AV_CODEC_FLAG_PASS1
        case 2?: context.pointee.flags |= AV_CODEC_FLAG_PASS2
        default: break
        }
        try encoder.open(failure: .encodeFailed, what: "\(settings.encoder) encoder", options: options)
        let frameDuration = max(1, av_rescale_q(1, av_inv_q(rate), context.pointee.time_base))
        let lane = try TranscodeLane(
            isVideo: true, inputIndex: index, decoder: decoder, graph: graph, encoder: encoder, output: output,
            inputTimeBase: timeBase, startOffset: video.startOffset, frameDuration: frameDuration, frameRate: rate
        )
        // Pixels left as coded keep the display matrix, so players still show them upright.
        if !settings.autorotate { try DisplayRotation.copyMatrix(from: video.stream, to: lane.streamEncoder.stream) }
        return lane
    }

    /// The audio lane: decoder → resample to the encoder's format, rate and layout → encoder.
    /// Nil when the input has no audio and it is not `required`.
    package static func audio(input: MediaInput, settings: EncodeSettings.Audio, output: MediaOutput, required: Bool) throws(MediaError) -> TranscodeLane? {
        guard let audio = try AudioSource.open(input: input, required: required) else { return nil }
        let (index, decoder, timeBase, sourceRate, arguments) = (audio.index, audio.decoder, audio.timeBase, audio.sampleRate, audio.bufferArguments)

        let codec = try findEncoder(settings.encoder)
        let sampleRate = try chooseSampleRate(codec, requested: settings.sampleRate, source: sourceRate, encoder: settings.encoder)
        let channels = settings.channels ?? min(audio.channels, 2)
        var outputLayout = AVChannelLayout()
        av_channel_layout_default(&outputLayout, Int32(channels))
        defer { av_channel_layout_uninit(&outputLayout) }
        let sampleFormat = codec.pointee.sample_fmts?[0] ?? AV_SAMPLE_FMT_FLTP
        let formatName = av_get_sample_fmt_name(sampleFormat).map { String(cString: $0) } ?? "fltp"
        let description = settings.filters.map { $0 + "," }.joined() + "aresample=\(sampleRate),aformat=sample_fmts=\(formatName):sample_rates=\(sampleRate):channel_layouts=\(describe(&outputLayout))"
        let graph = try FilterGraph.make(video: false, sourceArguments: arguments, description: description)

        let encoder = try CodecContext(codec: codec)
        let context = encoder.context
        context.pointee.sample_rate = Int32(sampleRate)
        context.pointee.sample_fmt = sampleFormat
        av_channel_layout_copy(&context.pointee.ch_layout, &outputLayout)
        context.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
        if let bitRate = settings.bitRate { context.pointee.bit_rate = bitRate }
        if output.wantsGlobalHeader { context.pointee.flags |= outpost_codec_flag_global_header() }
        try encoder.open(failure: .encodeFailed, what: "\(settings.encoder) encoder")
        if context.pointee.frame_size > 0 && codec.pointee.capabilities & Int32(outpost_codec_cap_variable_frame_size()) == 0 {
            graph.setFrameSize(context.pointee.frame_size)
        }
        return try TranscodeLane(
            isVideo: false, inputIndex: index, decoder: decoder, graph: graph, encoder: encoder, output: output,
            inputTimeBase: timeBase, startOffset: audio.startOffset, frameDuration: 0
        )
    }

    /// Decodes `packet` (nil: the end of the input, which drains the decoder, graph and encoder)
    /// and sends every frame through the graph to the encoder and the muxer.
    package func decode(_ packet: Packet?, output: MediaOutput) throws(MediaError) {
        let sent = avcodec_send_packet(decoder.context, packet?.pointer)
        // A damaged packet is skipped; decoding goes on with the next one.
        if sent < 0 && sent != outpost_averror_eagain() && sent != outpost_averror_eof() {
            lastError = FFmpegError("avcodec_send_packet", code: sent)
        }
        while true {
            let received = avcodec_receive_frame(decoder.context, decoded.pointer)
            if received == outpost_averror_eagain() || received == outpost_averror_eof() { break }
            if received < 0 {
                lastError = FFmpegError("avcodec_receive_frame", code: received)
                break
            }
            framesDecoded += 1
            let best = decoded.pointer.pointee.best_effort_timestamp
            if best != outpost_av_nopts_value() {
                let pts = best - startOffset
                decoded.pointer.pointee.pts = pts
                let length = decoded.pointer.pointee.pkt_duration
                decodedSeconds = max(decodedSeconds, Double(pts + max(length, 0)) * av_q2d(inputTimeBase))
            }
            try graph.push(decoded)
            try drainGraph(output: output)
        }
        if packet == nil {
            try graph.push(nil)
            try drainGraph(output: output)
            try encode(nil, output: output)
        }
    }

    private func drainGraph(output: MediaOutput) throws(MediaError) {
        while true {
            let status = graph.pull(into: filtered)
            if status == outpost_averror_eagain() || status == outpost_averror_eof() { return }
            guard status >= 0 else {
                let cause = FFmpegError("av_buffersink_get_frame", code: status)
                throw MediaError(.encodeFailed, "Filtering failed (\(cause.message)).", cause: cause)
            }
            // The decoder's picture types would force the encoder's keyframes.
            filtered.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE
            defer { av_frame_unref(filtered.pointer) }
            try encode(filtered, output: output)
        }
    }

    private func encode(_ frame: Frame?, output _: MediaOutput) throws(MediaError) {
        try streamEncoder.encode(frame)
    }

    package static func openDecoder(_ codec: UnsafePointer<AVCodec>, stream: UnsafeMutablePointer<AVStream>) throws(MediaError) -> CodecContext {
        let decoder = try CodecContext(codec: codec)
        let status = avcodec_parameters_to_context(decoder.context, stream.pointee.codecpar)
        guard status >= 0 else {
            let cause = FFmpegError("avcodec_parameters_to_context", code: status)
            throw MediaError(.unsupportedCodec, "A stream's parameters are invalid (\(cause.message)).", cause: cause)
        }
        decoder.context.pointee.pkt_timebase = stream.pointee.time_base
        decoder.context.pointee.thread_count = 0
        try decoder.open(failure: .unsupportedCodec, what: "decoder")
        return decoder
    }

    package static func findEncoder(_ name: String) throws(MediaError) -> UnsafePointer<AVCodec> {
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw MediaError(.encodeFailed, "This FFmpeg build has no \(name) encoder.")
        }
        return codec
    }

    /// The requested rate if the encoder takes it (else a 400 naming the ones it does); without a
    /// request, the source's rate if the encoder takes it, else 48 kHz, else the encoder's first.
    private static func chooseSampleRate(_ codec: UnsafePointer<AVCodec>, requested: Int?, source: Int, encoder: String) throws(MediaError) -> Int {
        var supported: [Int] = []
        if let list = codec.pointee.supported_samplerates {
            var index = 0
            while list[index] != 0 { supported.append(Int(list[index])); index += 1 }
        }
        if let requested {
            guard supported.isEmpty || supported.contains(requested) else {
                throw MediaError(.invalidParameter, "sampleRate \(requested) is not supported by \(encoder); use one of \(supported.map(String.init).joined(separator: ", ")).")
            }
            return requested
        }
        if supported.isEmpty || supported.contains(source) { return source }
        return supported.contains(48000) ? 48000 : supported[0]
    }

    private static func describe(_ layout: UnsafePointer<AVChannelLayout>) -> String { AudioSource.describe(layout) }

    package static func encodeFailure(_ function: String, _ status: Int32) -> MediaError {
        let cause = FFmpegError(function, code: status)
        return MediaError(.encodeFailed, "Encoding failed (\(cause.message)).", cause: cause)
    }
}
