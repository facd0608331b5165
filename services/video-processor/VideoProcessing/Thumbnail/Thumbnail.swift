/// An encoded thumbnail and the facts about the frame it shows.
public struct Thumbnail: Sendable {
    /// The encoded image.
    public var bytes: [UInt8]
    /// Facts about it.
    public var info: Info

    /// Facts about a thumbnail (returned as the job's `result`).
    public struct Info: Sendable, Codable, Equatable {
        /// `png` or `jpeg`.
        public var format: ImageFormat
        /// Output width in pixels.
        public var width: Int
        /// Output height in pixels.
        public var height: Int
        /// The source frame's width.
        public var sourceWidth: Int
        /// The source frame's height.
        public var sourceHeight: Int
        /// The requested time in seconds.
        public var requestedTimestamp: Double
        /// The time of the frame shown, in seconds from the start of the file.
        public var frameTimestamp: Double
        /// Whether the frame shown is a keyframe.
        public var keyFrame: Bool
        /// Encoded size in bytes.
        public var size: Int
    }
}
