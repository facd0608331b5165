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
        var streams = input.streams.map(describe)
        let packets = scanPackets(input)
        for index in streams.indices {
            let stream = input.streams[index]
            let timeBase = stream.pointee.time_base
            guard let counts = packets[Int32(index)] else { continue }
            let seconds = streams[index].duration ?? input.duration ?? 0
            if seconds > 0 { streams[index].measuredBitRate = Int64((Double(counts.bytes) * 8 / seconds).rounded()) }
            guard streams[index].type == "video" else { continue }
            let keys = counts.keyframeTimes.sorted()
            streams[index].keyframes = keys.count
            let gaps = zip(keys, keys.dropFirst()).map { Double($1 - $0) * av_q2d(timeBase) }
            if !gaps.isEmpty {
                streams[index].keyframeInterval = gaps.reduce(0, +) / Double(gaps.count)
                streams[index].maxKeyframeInterval = gaps.max()
            }
        }
        return MediaAnalysis(format: format, streams: streams)
    }

    /// Per stream: bytes, and the times of keyframe packets (stream time base). Reads packets
    /// without decoding them.
    private static func scanPackets(_ input: MediaInput) -> [Int32: (bytes: Int64, keyframeTimes: [Int64])] {
        var result: [Int32: (bytes: Int64, keyframeTimes: [Int64])] = [:]
        guard let packet = try? Packet() else { return result }
        while av_read_frame(input.context, packet.pointer) >= 0 {
            defer { av_packet_unref(packet.pointer) }
            let index = packet.pointer.pointee.stream_index
            var entry = result[index] ?? (0, [])
            entry.bytes += Int64(packet.pointer.pointee.size)
            if packet.pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 {
                let time = packet.pointer.pointee.pts != outpost_av_nopts_value() ? packet.pointer.pointee.pts : packet.pointer.pointee.dts
                if time != outpost_av_nopts_value() { entry.keyframeTimes.append(time) }
            }
            result[index] = entry
        }
        return result
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
            if let matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) {
                let angle = av_display_rotation_get(UnsafeRawPointer(matrix).assumingMemoryBound(to: Int32.self))
                // Counter-clockwise degrees, as ffprobe reports the display matrix's rotation.
                if angle.isFinite { analysis.rotation = angle == 0 ? 0 : angle }
            }
            if parameters.color_range != AVCOL_RANGE_UNSPECIFIED { analysis.colorRange = av_color_range_name(parameters.color_range).map { String(cString: $0) } }
            if parameters.color_primaries != AVCOL_PRI_UNSPECIFIED { analysis.colorPrimaries = av_color_primaries_name(parameters.color_primaries).map { String(cString: $0) } }
            if parameters.color_trc != AVCOL_TRC_UNSPECIFIED { analysis.colorTransfer = av_color_transfer_name(parameters.color_trc).map { String(cString: $0) } }
            if parameters.color_space != AVCOL_SPC_UNSPECIFIED { analysis.colorSpace = av_color_space_name(parameters.color_space).map { String(cString: $0) } }
            switch parameters.color_trc {
            case AVCOL_TRC_SMPTE2084: analysis.hdr = "PQ"
            case AVCOL_TRC_ARIB_STD_B67: analysis.hdr = "HLG"
            default: break
            }
            analysis.masteringDisplayMetadata = av_stream_get_side_data(stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, nil) != nil
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
