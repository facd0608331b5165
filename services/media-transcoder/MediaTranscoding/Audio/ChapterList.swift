public import ServiceKit

/// The `chapters` parameter: a JSON list of `{"start": seconds, "title": text}`, starts rising
/// from 0. Each chapter ends where the next starts; the last at the end of the media.
public struct ChapterList: Sendable, Equatable {
    /// One entry as given.
    public struct Entry: Sendable, Equatable {
        public var start: Double
        public var title: String
    }

    public var entries: [Entry]

    /// The most chapters one job takes.
    public static let maxChapters = 500

    /// Parses `text` (400 naming what is wrong).
    public init(json text: String) throws(ServiceError) {
        let name = "chapters"
        guard let value = try? JSONValue.parse(Array(text.utf8)), let items = value.arrayValue else {
            throw .invalidParameter(name, "must be a JSON list of {\"start\": seconds, \"title\": text}, e.g. [{\"start\":0,\"title\":\"Intro\"}].")
        }
        guard (1...Self.maxChapters).contains(items.count) else { throw .invalidParameter(name, "must hold 1 to \(Self.maxChapters) chapters, got \(items.count).") }
        var entries: [Entry] = []
        for (index, item) in items.enumerated() {
            guard let start = item["start"]?.doubleValue, start.isFinite, start >= 0 else {
                throw .invalidParameter(name, "entry \(index) needs \"start\": seconds ≥ 0.")
            }
            guard let title = item["title"]?.stringValue, !title.isEmpty, title.utf8.count <= 512 else {
                throw .invalidParameter(name, "entry \(index) needs a \"title\" of 1 to 512 bytes.")
            }
            if let previous = entries.last, start <= previous.start {
                throw .invalidParameter(name, "entry \(index) starts at \(start) s, not after the previous one (\(previous.start) s); list chapters in order.")
            }
            entries.append(Entry(start: start, title: title))
        }
        self.entries = entries
    }

    /// The chapters of media `duration` seconds long (400 when one starts at or past the end).
    public func chapters(duration: Double) throws(MediaError) -> [Chapter] {
        var chapters: [Chapter] = []
        for (index, entry) in entries.enumerated() {
            guard entry.start < duration else {
                throw MediaError(.invalidParameter, "Chapter \(index) (\"\(entry.title)\") starts at \(entry.start) s, at or after the end of the audio (\(duration) s).")
            }
            let end = index + 1 < entries.count ? entries[index + 1].start : duration
            chapters.append(Chapter(start: entry.start, end: end, title: entry.title))
        }
        return chapters
    }
}
