/// What `hls-transcode` wrote (the job's `result`).
public struct HLSSummary: Sendable, Codable, Equatable {
    /// One video rendition as encoded and measured.
    public struct VideoRendition: Sendable, Codable, Equatable {
        public var quality: String
        public var width: Int
        public var height: Int
        /// The ladder's target, bits per second.
        public var targetBitRate: Int64
        /// Measured from the segments written (MPEG-TS included), bits per second.
        public var averageBitRate: Int64
        public var peakBitRate: Int64
        public var codecs: String
        public var playlist: String
        public var segments: Int
    }

    /// The audio rendition.
    public struct AudioRendition: Sendable, Codable, Equatable {
        public var codec: String
        public var bitRate: Int64
        public var sampleRate: Int
        public var channels: Int
        public var playlist: String
        public var segments: Int
    }

    /// `stream_name`, or the job id.
    public var streamName: String
    public var master: String
    public var poster: String
    public var segmentSeconds: Double
    /// Frames per GOP (the same in every rendition).
    public var gopFrames: Int
    public var frameRate: Double
    /// Seconds of video encoded.
    public var duration: Double
    public var renditions: [VideoRendition]
    public var audio: AudioRendition?
}
