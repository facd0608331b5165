/// What thumbnail to make: when, how big, and in which format. Validated on creation.
public struct ThumbnailRequest: Sendable, Equatable {
    /// Largest width or height accepted.
    public static let maxDimension = 8192

    /// Seconds from the start of the file (as with `ffmpeg -ss`); the first frame at or after it is used.
    public var timestamp: Double
    /// Output width; 0 keeps the source width, or the aspect ratio when `height` is set.
    public var width: Int
    /// Output height; 0 keeps the source height, or the aspect ratio when `width` is set.
    public var height: Int
    /// PNG or JPEG.
    public var format: ImageFormat
    /// JPEG quality, 1 (smallest) to 100 (best).
    public var quality: Int
    /// Whether the picture is turned upright by the stream's display matrix (phone videos), as the
    /// `ffmpeg` CLI does; sizes then refer to the upright picture.
    public var autorotate: Bool

    /// Creates a request.
    /// - Throws: ``VideoError`` `invalidParameter` when a value is out of range.
    public init(timestamp: Double = 0, width: Int = 0, height: Int = 0, format: ImageFormat = .png, quality: Int = 90, autorotate: Bool = true) throws(VideoError) {
        guard timestamp.isFinite, timestamp >= 0 else {
            throw VideoError(.invalidParameter, "timestamp must be a number of seconds ≥ 0, got \(timestamp).")
        }
        for (name, value) in [("width", width), ("height", height)] where !(0...Self.maxDimension).contains(value) {
            throw VideoError(.invalidParameter, "\(name) must be between 0 and \(Self.maxDimension) pixels (0 keeps the source size or aspect ratio), got \(value).")
        }
        guard (1...100).contains(quality) else {
            throw VideoError(.invalidParameter, "quality must be between 1 and 100, got \(quality).")
        }
        self.timestamp = timestamp
        self.width = width
        self.height = height
        self.format = format
        self.quality = quality
        self.autorotate = autorotate
    }

    /// The output size for a source of `sourceWidth`×`sourceHeight`, keeping the aspect ratio
    /// when only one dimension is given.
    public func outputSize(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        switch (width, height) {
        case (0, 0):
            return (sourceWidth, sourceHeight)
        case (let w, 0):
            return (w, max(1, Int((Double(w) * Double(sourceHeight) / Double(sourceWidth)).rounded())))
        case (0, let h):
            return (max(1, Int((Double(h) * Double(sourceWidth) / Double(sourceHeight)).rounded())), h)
        case (let w, let h):
            return (w, h)
        }
    }
}
