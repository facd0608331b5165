/// A chapter of a podcast or audio book: where it starts and ends, and its title.
public struct Chapter: Sendable, Equatable, Codable {
    /// Seconds from the start.
    public var start: Double
    /// Seconds from the start; the next chapter's start, or the end of the media.
    public var end: Double
    public var title: String

    public init(start: Double, end: Double, title: String) {
        self.start = start
        self.end = end
        self.title = title
    }
}
