package import CAVFormat

/// An input's best audio stream with its decoder open, and what a filter graph's `abuffer`
/// source needs to take its frames: the first step of every audio pipeline.
///
/// Not Sendable: built and used on the job's one thread.
package struct AudioSource {
    /// The stream's index in the input.
    package let index: Int32
    package let stream: UnsafeMutablePointer<AVStream>
    package let decoder: CodecContext
    package let timeBase: AVRational
    package let sampleRate: Int
    /// Channels of the source (its layout, or the default layout of its count).
    package let channels: Int
    /// The `abuffer` source's options: time base, rate, sample format, layout.
    package let bufferArguments: String
    /// The input's start time in the stream's time base.
    package let startOffset: Int64

    /// Opens the best audio stream of `input`; nil when it has none and it is not `required`.
    /// - Throws: `unsupportedCodec` without a decoder, `noAudioStream` when required and missing,
    ///   `decodeFailed` when the stream has no rate or sample format.
    package static func open(input: MediaInput, required: Bool) throws(MediaError) -> AudioSource? {
        var decoderCodec: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(input.context, AVMEDIA_TYPE_AUDIO, -1, -1, &decoderCodec, 0)
        guard index >= 0, let decoderCodec else {
            guard required else { return nil }
            if index == outpost_averror_decoder_not_found() {
                throw MediaError(.unsupportedCodec, "The audio stream's codec has no decoder in this FFmpeg build; see GET /formats.")
            }
            throw MediaError(.noAudioStream, "The input has no audio stream (it has: \(input.streamKinds)); this operation needs audio.")
        }
        let source = input.streams[Int(index)]
        let decoder = try TranscodeLane.openDecoder(decoderCodec, stream: source)
        let timeBase = source.pointee.time_base
        var layout = AVChannelLayout()
        if decoder.context.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || decoder.context.pointee.ch_layout.nb_channels <= 0 {
            av_channel_layout_default(&layout, max(1, decoder.context.pointee.ch_layout.nb_channels))
        } else {
            av_channel_layout_copy(&layout, &decoder.context.pointee.ch_layout)
        }
        defer { av_channel_layout_uninit(&layout) }
        let sourceRate = Int(decoder.context.pointee.sample_rate)
        guard sourceRate > 0, let sampleFormatName = av_get_sample_fmt_name(decoder.context.pointee.sample_fmt) else {
            throw MediaError(.decodeFailed, "The audio stream has no sample rate or sample format; the file is probably corrupt.")
        }
        let arguments = "time_base=\(timeBase.num)/\(timeBase.den):sample_rate=\(sourceRate):sample_fmt=\(String(cString: sampleFormatName)):channel_layout=\(describe(&layout))"
        return AudioSource(index: index, stream: source, decoder: decoder, timeBase: timeBase, sampleRate: sourceRate, channels: Int(layout.nb_channels),
                           bufferArguments: arguments, startOffset: av_rescale_q(input.startTime, outpost_av_time_base_q(), timeBase))
    }

    /// A layout's name as filters take it (`stereo`, `5.1`…).
    package static func describe(_ layout: UnsafePointer<AVChannelLayout>) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        guard av_channel_layout_describe(layout, &buffer, buffer.count) > 0 else { return "stereo" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
