import Foundation

/// A VOD media playlist the hls muxer wrote, read back with its segments' sizes: the measured
/// bit rates the master playlist declares.
struct MediaPlaylist {
    /// One segment: its file name (as the playlist lists it), duration and size.
    struct Segment {
        var name: String
        var duration: Double
        var bytes: Int64
    }

    var segments: [Segment]

    /// Reads `path` and stats each segment beside it.
    init(path: String) throws(MediaError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MediaError(.internalError, "The media playlist \((path as NSString).lastPathComponent) was not written.")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var segments: [Segment] = []
        var duration: Double?
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#EXTINF:") {
                duration = Double(line.dropFirst("#EXTINF:".count).prefix { $0 != "," })
            } else if !line.hasPrefix("#"), !line.isEmpty, let length = duration {
                let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + line)[.size] as? NSNumber)?.int64Value ?? 0
                segments.append(Segment(name: line, duration: length, bytes: size))
                duration = nil
            }
        }
        self.segments = segments
    }

    /// Total duration in seconds.
    var duration: Double { segments.reduce(0) { $0 + $1.duration } }

    /// Bits per second over the whole playlist (segments as stored: container included).
    var averageBitRate: Int64 {
        let seconds = duration
        guard seconds > 0 else { return 0 }
        return Int64((Double(segments.reduce(0) { $0 + $1.bytes }) * 8 / seconds).rounded())
    }

    /// The highest bit rate of any one segment (HLS's BANDWIDTH: the peak segment rate).
    var peakBitRate: Int64 {
        segments.map { $0.duration > 0 ? Int64((Double($0.bytes) * 8 / $0.duration).rounded()) : 0 }.max() ?? 0
    }
}
