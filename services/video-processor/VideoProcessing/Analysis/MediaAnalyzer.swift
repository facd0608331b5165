import CAVFormat
import Foundation

/// Reads a media file's container and stream properties with libavformat (no decoding).
public enum MediaAnalyzer {
    /// Analyzes the file at `path`.
    /// - Throws: ``VideoError`` with `unreadableInput` when the file is not media FFmpeg can read.
    public static func analyze(path: String) throws(VideoError) -> MediaAnalysis {
        let input = try MediaInput.open(path: path)
        let context = input.context
        var size: Int64 = -1
        if let io = context.pointee.pb { size = avio_size(io) }
        if size < 0 {
            size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        let demuxer = context.pointee.iformat
        let start = context.pointee.start_time
        let format = MediaAnalysis.Format(
            name: demuxer.map { String(cString: $0.pointee.name) } ?? "unknown",
            longName: demuxer.flatMap { $0.pointee.long_name }.map { String(cString: $0) } ?? "",
            duration: input.duration,
            startTime: start == outpost_av_nopts_value() ? nil : Double(start) / Double(outpost_av_time_base()),
            bitRate: context.pointee.bit_rate > 0 ? context.pointee.bit_rate : nil,
            size: size,
            streamCount: Int(context.pointee.nb_streams),
            tags: tags(context.pointee.metadata)
        )
        return MediaAnalysis(format: format, streams: input.streams.map(describe))
    }

    private static func describe(_ stream: UnsafeMutablePointer<AVStream>) -> StreamAnalysis {
        let parameters = stream.pointee.codecpar.pointee
        let timeBase = stream.pointee.time_base
        func seconds(_ value: Int64) -> Double? {
            guard value != outpost_av_nopts_value(), timeBase.den != 0 else { return nil }
            return Double(value) * av_q2d(timeBase)
        }
        let descriptor = avcodec_descriptor_get(parameters.codec_id)
        var analysis = StreamAnalysis(
            index: Int(stream.pointee.index),
            type: av_get_media_type_string(parameters.codec_type).map { String(cString: $0) } ?? "unknown",
            codec: String(cString: avcodec_get_name(parameters.codec_id)),
            codecLongName: descriptor.flatMap { $0.pointee.long_name }.map { String(cString: $0) },
            profile: avcodec_profile_name(parameters.codec_id, parameters.profile).map { String(cString: $0) },
            duration: stream.pointee.duration > 0 ? seconds(stream.pointee.duration) : nil,
            startTime: seconds(stream.pointee.start_time),
            bitRate: parameters.bit_rate > 0 ? parameters.bit_rate : nil,
            frames: stream.pointee.nb_frames > 0 ? stream.pointee.nb_frames : nil,
            language: tags(stream.pointee.metadata)["language"]
        )
        switch parameters.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            analysis.width = Int(parameters.width)
            analysis.height = Int(parameters.height)
            var rate = stream.pointee.avg_frame_rate
            if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
            if rate.num > 0 && rate.den > 0 {
                analysis.frameRate = av_q2d(rate)
                analysis.frameRateFraction = "\(rate.num)/\(rate.den)"
            }
            analysis.pixelFormat = av_get_pix_fmt_name(AVPixelFormat(parameters.format)).map { String(cString: $0) }
        case AVMEDIA_TYPE_AUDIO:
            analysis.sampleRate = Int(parameters.sample_rate)
            var layout = parameters.ch_layout
            analysis.channels = Int(layout.nb_channels)
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                analysis.channelLayout = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            analysis.sampleFormat = av_get_sample_fmt_name(AVSampleFormat(parameters.format)).map { String(cString: $0) }
        default:
            break
        }
        return analysis
    }

    private static func tags(_ dictionary: OpaquePointer?) -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while true {
            entry = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX)
            guard let current = entry else { break }
            result[String(cString: current.pointee.key)] = String(cString: current.pointee.value)
        }
        return result
    }
}
