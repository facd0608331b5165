/// The `result` of a thumbnail job with several times: one entry per output, in order.
public struct ThumbnailList: Sendable, Codable, Equatable {
    public var thumbnails: [Thumbnail.Info]
}
