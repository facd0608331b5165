/// What one encode writes: the muxer and file, and how each kept stream is encoded. Built from a
/// job's parameters by the operations (`process`, `compress`, `watermark`, `extract-audio`).
struct EncodeSettings: Sendable {
    /// How the video stream is encoded.
    struct Video: Sendable {
        /// FFmpeg encoder name, e.g. `libx264`.
        var encoder: String
        /// The encoder's private options (`preset`, `crf`, `cpu-used`…).
        var options: [String: String] = [:]
        /// Average bit rate in bits per second; nil for constant quality (the CRF in `options`).
        var bitRate: Int64?
        /// Output frame rate; nil keeps the source's.
        var frameRate: Double?
        /// Seconds between keyframes, with no others (HLS segments split only on keyframes).
        var keyframeSeconds: Double?
        /// Picks the output size (even numbers) from the source's.
        var size: @Sendable (_ width: Int, _ height: Int) -> (width: Int, height: Int)
        /// Two-pass encoding: 1 writes the statistics (`options["stats"]`), 2 reads them.
        var pass: Int?
        /// Filters after scaling (a watermark's `drawtext`), in ffmpeg's `-vf` syntax.
        var overlays: [String] = []
    }

    /// How the audio stream is encoded.
    struct Audio: Sendable {
        /// FFmpeg encoder name, e.g. `aac`.
        var encoder: String
        /// Bit rate in bits per second; nil for the encoder's default (or lossless codecs).
        var bitRate: Int64?
        /// Output sample rate; nil keeps the source's if the encoder takes it, else 48 kHz.
        var sampleRate: Int?
        /// Output channel count; nil keeps the source's, at most 2.
        var channels: Int?
    }

    /// FFmpeg muxer name: `mp4`, `webm`, `hls`, `adts`, `mp3`, `opus`, `flac`, `wav`.
    var muxer: String
    /// The file to write (for HLS, the playlist; segments go beside it).
    var path: String
    /// Muxer options (`movflags`, `hls_time`…).
    var muxerOptions: [String: String] = [:]
    /// Nil drops video; set, the input must have a video stream.
    var video: Video?
    /// Nil drops audio. Inputs without audio give an output without audio, unless `requireAudio`.
    var audio: Audio?
    /// Whether an input without audio is an error (extracting audio).
    var requireAudio = false
}
