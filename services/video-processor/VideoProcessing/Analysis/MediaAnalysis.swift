/// What `analyze` reports about a media file: its container format and each stream.
public struct MediaAnalysis: Sendable, Codable, Equatable {
    /// The container.
    public struct Format: Sendable, Codable, Equatable {
        /// FFmpeg's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
        public var name: String
        /// Its human-readable name, e.g. `QuickTime / MOV`.
        public var longName: String
        /// Duration in seconds, when known.
        public var duration: Double?
        /// Start of the timeline in seconds, when known.
        public var startTime: Double?
        /// Overall bit rate in bits per second, when known.
        public var bitRate: Int64?
        /// File size in bytes.
        public var size: Int64
        /// Number of streams.
        public var streamCount: Int
        /// Container metadata tags (title, encoder…).
        public var tags: [String: String]
    }

    /// The container format.
    public var format: Format
    /// Every stream, in file order.
    public var streams: [StreamAnalysis]

    /// The first video stream, if any.
    public var video: StreamAnalysis? { streams.first { $0.type == "video" } }
    /// The first audio stream, if any.
    public var audio: StreamAnalysis? { streams.first { $0.type == "audio" } }
}
