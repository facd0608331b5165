/// One stream of a media file. Fields that do not apply to the stream's type are absent.
public struct StreamAnalysis: Sendable, Codable, Equatable {
    /// Index in the file.
    public var index: Int
    /// `video`, `audio`, `subtitle`, `data` or `attachment`.
    public var type: String
    /// Codec name, e.g. `h264`.
    public var codec: String
    /// Codec's human-readable name.
    public var codecLongName: String?
    /// Codec profile, e.g. `High`.
    public var profile: String?
    /// Duration in seconds, when known.
    public var duration: Double?
    /// Start time in seconds, when known.
    public var startTime: Double?
    /// Bit rate in bits per second, when known.
    public var bitRate: Int64?
    /// Number of frames, when the container records it.
    public var frames: Int64?
    /// Picture width in pixels (video).
    public var width: Int?
    /// Picture height in pixels (video).
    public var height: Int?
    /// Average frame rate in frames per second (video).
    public var frameRate: Double?
    /// The frame rate as FFmpeg's exact fraction, e.g. `30000/1001` (video).
    public var frameRateFraction: String?
    /// Pixel format, e.g. `yuv420p` (video).
    public var pixelFormat: String?
    /// Sample rate in Hz (audio).
    public var sampleRate: Int?
    /// Channel count (audio).
    public var channels: Int?
    /// Channel layout, e.g. `stereo` (audio).
    public var channelLayout: String?
    /// Sample format, e.g. `fltp` (audio).
    public var sampleFormat: String?
    /// Language tag, when present.
    public var language: String?
    /// Bit rate measured from the packets' sizes over the stream's duration (every stream).
    public var measuredBitRate: Int64?
    /// The display matrix's rotation in degrees, counter-clockwise as ffprobe reports it (video).
    public var rotation: Double?
    /// Colour: `tv`/`pc` range, primaries, transfer and matrix names, e.g. `bt709` (video).
    public var colorRange: String?
    public var colorPrimaries: String?
    public var colorTransfer: String?
    public var colorSpace: String?
    /// `PQ` (HDR10, SMPTE 2084) or `HLG` (ARIB STD-B67) for HDR transfers; nil for SDR (video).
    public var hdr: String?
    /// Whether the stream carries HDR mastering-display metadata (video).
    public var masteringDisplayMetadata: Bool?
    /// Keyframes counted, and the mean and longest seconds between them (video).
    public var keyframes: Int?
    public var keyframeInterval: Double?
    public var maxKeyframeInterval: Double?
}
