/// A live media playlist: the last `window` segments of what the hls muxer has cut so far (it
/// keeps every segment in an EVENT playlist), with `#EXT-X-MEDIA-SEQUENCE` moving as older
/// segments leave the window, no playlist type and no `#EXT-X-ENDLIST`, as a live HLS player
/// wants. Older segments stay stored; the VOD playlist at the end lists them all.
public struct LivePlaylist: Sendable, Equatable {
    /// Header tags (version, target duration, independent segments…).
    public var header: [String]
    /// Each segment's lines (its tags, then its URI), oldest first.
    public var segments: [[String]]

    /// Reads a playlist the muxer wrote.
    public init(muxerText text: String) {
        var header: [String] = []
        var segments: [[String]] = []
        var pending: [String] = []
        var inBody = false
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#EXT-X-MEDIA-SEQUENCE") || line.hasPrefix("#EXT-X-PLAYLIST-TYPE") || line == "#EXT-X-ENDLIST" { continue }
            if line.hasPrefix("#EXTINF") || line.hasPrefix("#EXT-X-DISCONTINUITY") || line.hasPrefix("#EXT-X-PROGRAM-DATE-TIME") {
                inBody = true
                pending.append(line)
            } else if !line.hasPrefix("#") {
                guard !line.isEmpty else { continue }
                segments.append(pending + [line])
                pending = []
            } else if !inBody {
                header.append(line)
            }
        }
        self.header = header
        self.segments = segments
    }

    /// The segments' URIs, oldest first.
    public var segmentNames: [String] { segments.compactMap(\.last) }

    /// The live playlist of the last `window` segments.
    public func window(_ window: Int) -> String {
        let first = max(0, segments.count - window)
        var lines = header
        lines.insert("#EXT-X-MEDIA-SEQUENCE:\(first)", at: min(lines.count, max(1, lines.firstIndex { $0.hasPrefix("#EXT-X-TARGETDURATION") }.map { $0 + 1 } ?? lines.count)))
        for segment in segments[first...] { lines += segment }
        return lines.joined(separator: "\n") + "\n"
    }
}
