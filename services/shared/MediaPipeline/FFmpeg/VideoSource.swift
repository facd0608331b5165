package import CAVFormat

/// An input's best video stream with its decoder open, and what a filter graph's `buffer`
/// source needs to take its frames: the first step of every video pipeline.
///
/// Not Sendable: built and used on the job's one thread.
package struct VideoSource {
    /// The stream's index in the input.
    package let index: Int32
    package let stream: UnsafeMutablePointer<AVStream>
    package let decoder: CodecContext
    /// The frame rate FFmpeg guesses for the stream (0/0 when unknown).
    package let guessedRate: AVRational
    package let timeBase: AVRational
    package let width: Int
    package let height: Int
    /// The `buffer` source's options: size, pixel format, time base, aspect, rate.
    package let bufferArguments: String
    /// The input's start time in the stream's time base: subtracted so outputs start at 0.
    package let startOffset: Int64
    /// The turn that shows the picture upright (the stream's display matrix).
    package let rotation: DisplayRotation

    /// Opens the best video stream of `input`.
    /// - Throws: `unsupportedCodec` without a decoder, `noVideoStream` without video, `decodeFailed`
    ///   when the stream has no size or pixel format.
    package init(input: MediaInput) throws(MediaError) {
        var decoderCodec: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoderCodec, 0)
        if index == outpost_averror_decoder_not_found() {
            throw MediaError(.unsupportedCodec, "The video stream's codec has no decoder in this FFmpeg build; see GET /formats for the codecs supported.")
        }
        guard index >= 0, let decoderCodec else {
            throw MediaError(.noVideoStream, "The input has no video stream (it has: \(input.streamKinds)); this operation needs video.")
        }
        let source = input.streams[Int(index)]
        let decoder = try TranscodeLane.openDecoder(decoderCodec, stream: source)
        let guessed = av_guess_frame_rate(input.context, source, nil)
        let timeBase = source.pointee.time_base
        let width = Int(decoder.context.pointee.width)
        let height = Int(decoder.context.pointee.height)
        let pixelFormat = decoder.context.pointee.pix_fmt
        guard width > 0, height > 0, pixelFormat != AV_PIX_FMT_NONE else {
            throw MediaError(.decodeFailed, "The video stream has no picture size or pixel format; the file is probably corrupt.")
        }
        var sar = decoder.context.pointee.sample_aspect_ratio
        if sar.num <= 0 || sar.den <= 0 { sar = AVRational(num: 1, den: 1) }
        let pixelFormatName = av_get_pix_fmt_name(pixelFormat).map { String(cString: $0) } ?? "\(pixelFormat.rawValue)"
        var arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormatName):time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=\(sar.num)/\(sar.den)"
        if guessed.num > 0 && guessed.den > 0 { arguments += ":frame_rate=\(guessed.num)/\(guessed.den)" }
        self.index = index
        self.stream = source
        self.decoder = decoder
        self.guessedRate = guessed
        self.timeBase = timeBase
        self.width = width
        self.height = height
        self.bufferArguments = arguments
        self.startOffset = av_rescale_q(input.startTime, outpost_av_time_base_q(), timeBase)
        self.rotation = DisplayRotation(stream: source)
    }
}
