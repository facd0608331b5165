/// What an encode wrote, from the encoders' own settings (the job's `result`).
public struct EncodeSummary: Sendable, Codable, Equatable {
    /// Video codec written, e.g. `h264`; nil without video.
    public var videoCodec: String?
    /// Picture size written.
    public var width: Int?
    public var height: Int?
    /// Frame rate written (frames per second).
    public var frameRate: Double?
    /// Video frames encoded.
    public var videoFrames: Int
    /// Audio codec written, e.g. `aac`; nil without audio.
    public var audioCodec: String?
    /// Audio sample rate and channels written.
    public var sampleRate: Int?
    public var channels: Int?
    /// Seconds of input encoded (up to the last frame's end).
    public var duration: Double
}
