import CAVFormat

/// What this build of the video processor reads and writes (from the linked FFmpeg).
public struct SupportedFormats: Sendable, Codable, Equatable {
    /// What can be read.
    public struct Input: Sendable, Codable, Equatable {
        /// Demuxer names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`.
        public var containers: [String]
        /// Video decoders by codec name, e.g. `h264`.
        public var videoCodecs: [String]
        /// Audio decoders by codec name, e.g. `aac` (for analysis).
        public var audioCodecs: [String]
    }

    /// What can be written.
    public struct Output: Sendable, Codable, Equatable {
        /// Thumbnail image formats.
        public var thumbnail: [String]
        /// The analysis format.
        public var analyze: [String]
        /// `process` output formats.
        public var process: [String]
        /// `extract-audio` output formats.
        public var extractAudio: [String]
    }

    /// Readable formats.
    public var input: Input
    /// Writable formats.
    public var output: Output

    /// Lists the formats and codecs of the FFmpeg this process links.
    public static func current() -> SupportedFormats {
        var containers = Set<String>()
        var opaque: UnsafeMutableRawPointer?
        while let demuxer = av_demuxer_iterate(&opaque) {
            containers.insert(String(cString: demuxer.pointee.name))
        }
        var video = Set<String>()
        var audio = Set<String>()
        opaque = nil
        while let codec = av_codec_iterate(&opaque) {
            guard av_codec_is_decoder(codec) != 0 else { continue }
            let name = String(cString: avcodec_get_name(codec.pointee.id))
            switch codec.pointee.type {
            case AVMEDIA_TYPE_VIDEO: video.insert(name)
            case AVMEDIA_TYPE_AUDIO: audio.insert(name)
            default: break
            }
        }
        return SupportedFormats(
            input: Input(containers: containers.sorted(), videoCodecs: video.sorted(), audioCodecs: audio.sorted()),
            output: Output(
                thumbnail: ImageFormat.allCases.map(\.rawValue), analyze: ["json"],
                process: TranscodeRequest.OutputFormat.allCases.map(\.rawValue), extractAudio: AudioExtraction.Format.allCases.map(\.rawValue)
            )
        )
    }
}
