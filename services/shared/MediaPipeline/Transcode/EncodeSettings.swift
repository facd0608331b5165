/// What one encode writes: the muxer and file, and how each kept stream is encoded. Built from a
/// job's parameters by the operations (`process`, `compress`, `watermark`, `extract-audio`).
package struct EncodeSettings: Sendable {
    /// How the video stream is encoded.
    package struct Video: Sendable {
        /// FFmpeg encoder name, e.g. `libx264`.
        package var encoder: String
        /// The encoder's private options (`preset`, `crf`, `cpu-used`…).
        package var options: [String: String] = [:]
        /// Average bit rate in bits per second; nil for constant quality (the CRF in `options`).
        package var bitRate: Int64?
        /// Output frame rate; nil keeps the source's.
        package var frameRate: Double?
        /// Seconds between keyframes, with no others (HLS segments split only on keyframes).
        package var keyframeSeconds: Double?
        /// Picks the output size (even numbers) from the source's.
        package var size: @Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int)
        /// Two-pass encoding: 1 writes the statistics (`options["stats"]`), 2 reads them.
        package var pass: Int?
        /// Filters after scaling (a watermark's `drawtext`), in ffmpeg's `-vf` syntax.
        package var overlays: [String] = []
        /// Whether a display-matrix rotation is applied to the pixels first (as the `ffmpeg` CLI does).
        package var autorotate = true

        package init(encoder: String, options: [String: String] = [:], bitRate: Int64? = nil, frameRate: Double? = nil, keyframeSeconds: Double? = nil,
                     size: @escaping @Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int), pass: Int? = nil, overlays: [String] = [], autorotate: Bool = true) {
            self.encoder = encoder
            self.options = options
            self.bitRate = bitRate
            self.frameRate = frameRate
            self.keyframeSeconds = keyframeSeconds
            self.size = size
            self.pass = pass
            self.overlays = overlays
            self.autorotate = autorotate
        }

        /// The turn applied to `source`'s pictures: its display matrix's, unless `autorotate` is off.
        package func rotation(of source: VideoSource) -> DisplayRotation {
            autorotate ? source.rotation : .none
        }

        /// The encoded picture's size for `source`: turned upright (unless `autorotate` is off),
        /// then as `size` picks. Overlays are drawn on a picture of this size.
        package func outputSize(for source: VideoSource) -> (width: Int, height: Int) {
            let upright = rotation(of: source).upright(width: source.width, height: source.height)
            return size(upright.width, upright.height)
        }
    }

    /// How the audio stream is encoded.
    package struct Audio: Sendable {
        /// FFmpeg encoder name, e.g. `aac`.
        package var encoder: String
        /// Bit rate in bits per second; nil for the encoder's default (or lossless codecs).
        package var bitRate: Int64?
        /// Output sample rate; nil keeps the source's if the encoder takes it, else 48 kHz.
        package var sampleRate: Int?
        /// Output channel count; nil keeps the source's, at most 2.
        package var channels: Int?
        /// Filters before resampling (`loudnorm=…`), in ffmpeg's `-af` syntax.
        package var filters: [String] = []

        package init(encoder: String, bitRate: Int64? = nil, sampleRate: Int? = nil, channels: Int? = nil, filters: [String] = []) {
            self.encoder = encoder
            self.bitRate = bitRate
            self.sampleRate = sampleRate
            self.channels = channels
            self.filters = filters
        }
    }

    /// FFmpeg muxer name: `mp4`, `webm`, `hls`, `adts`, `mp3`, `opus`, `flac`, `wav`.
    package var muxer: String
    /// The file to write (for HLS, the playlist; segments go beside it).
    package var path: String
    /// Muxer options (`movflags`, `hls_time`…).
    package var muxerOptions: [String: String] = [:]
    /// Nil drops video; set, the input must have a video stream.
    package var video: Video?
    /// Nil drops audio. Inputs without audio give an output without audio, unless `requireAudio`.
    package var audio: Audio?
    /// Whether an input without audio is an error (extracting audio).
    package var requireAudio = false
    /// Container tags (`title`, `artist`, `album`…).
    package var metadata: [String: String] = [:]
    /// Chapters written into the container (ID3v2 CHAP in MP3, a chapter track in MP4).
    package var chapters: [Chapter] = []
    /// A JPEG or PNG file muxed in as the cover (an attached picture; mp3 and mp4 only).
    package var coverPath: String?

    package init(muxer: String, path: String, muxerOptions: [String: String] = [:], video: Video? = nil, audio: Audio? = nil, requireAudio: Bool = false) {
        self.muxer = muxer
        self.path = path
        self.muxerOptions = muxerOptions
        self.video = video
        self.audio = audio
        self.requireAudio = requireAudio
    }
}
