import Foundation

/// Finds what the DASH muxer of a running `dash` ladder has finished since the last look, for
/// ``HLSTranscode/Partial``: the init and media segments its HLS media playlists (`media_N.m3u8`,
/// written over the same fMP4 segments) list, those playlists, and the MPD as it reads now.
///
/// The muxer writes each media segment to a `.tmp` file and renames it once closed, then rewrites
/// the MPD (`type="dynamic"` until the end) and the playlists (also by rename); an init segment is
/// written in place and complete only at the first flush. So a segment counts once a playlist
/// lists it (`#EXT-X-MAP` for the init, a URI line for a media segment), never by being in the
/// directory. The master playlist the muxer writes once is published the first time it is there.
struct DASHPartialScan {
    let directory: String
    /// Each playlist's text at the last look, by file name.
    private var seen: [String: String] = [:]
    private var published: Set<String> = []
    private var masterPublished = false

    init(directory: String) {
        self.directory = directory
    }

    /// What is new since the last call, or nil if nothing is.
    mutating func next() -> HLSTranscode.Partial? {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var partial = HLSTranscode.Partial()
        for file in files where file.hasPrefix("media_") && file.hasSuffix(".m3u8") {
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8), text != seen[file] else { continue }
            seen[file] = text
            for segment in Self.segmentNames(text) where segment.hasSuffix(".m4s") && !published.contains(segment) {
                guard FileManager.default.fileExists(atPath: directory + "/" + segment) else { continue }
                published.insert(segment)
                partial.segments.append(OutputFile(name: String(segment.dropLast(4)), contentType: DASHTranscode.ContentType.segment, path: directory + "/" + segment))
            }
            partial.playlists.append((String(file.dropLast(5)), text))
        }
        guard !partial.playlists.isEmpty else { return nil }
        if !masterPublished, let master = try? String(contentsOfFile: directory + "/\(DASHTranscode.masterName).m3u8", encoding: .utf8) {
            masterPublished = true
            partial.playlists.append((DASHTranscode.masterName, master))
        }
        if let manifest = try? String(contentsOfFile: directory + "/\(DASHTranscode.manifestName).mpd", encoding: .utf8) {
            partial.documents.append((DASHTranscode.manifestName, DASHTranscode.ContentType.manifest, manifest))
        }
        return partial
    }

    /// The segment file names a media playlist lists: its init segment (`#EXT-X-MAP:URI`) first,
    /// then its media segments, in order.
    static func segmentNames(_ text: String) -> [String] {
        var names: [String] = []
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#EXT-X-MAP:"), let start = line.range(of: "URI=\""), let end = line[start.upperBound...].firstIndex(of: "\"") {
                names.append(String(line[start.upperBound..<end]))
            } else if !line.hasPrefix("#"), !line.isEmpty {
                names.append(line)
            }
        }
        return names
    }
}
