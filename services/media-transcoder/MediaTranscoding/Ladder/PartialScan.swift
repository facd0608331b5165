import Foundation

/// Finds what the hls muxers of a running ladder have finished since the last look: the segments
/// their EVENT playlists list (a segment is listed once it is closed) and the playlists that
/// changed, for ``HLSTranscode/Partial``.
struct PartialScan {
    let directory: String
    /// The media playlists' output names (`<name>.m3u8`).
    let names: [String]
    /// Each playlist's text at the last look.
    private var seen: [String: String] = [:]
    private var masterPublished = false

    init(directory: String, names: [String]) {
        self.directory = directory
        self.names = names
    }

    /// What is new since the last call, or nil if nothing is; `master` gives the master playlist
    /// once it can be written (published the first time it can be).
    mutating func next(master: () -> String?) -> HLSTranscode.Partial? {
        var partial = HLSTranscode.Partial()
        for name in names {
            let path = directory + "/\(name).m3u8"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), text != seen[name],
                  let playlist = try? MediaPlaylist(path: path) else { continue }
            let known = seen[name].map { Self.segmentNames($0) } ?? []
            for segment in playlist.segments where !known.contains(segment.name) {
                let name = segment.name.hasSuffix(".ts") ? String(segment.name.dropLast(3)) : segment.name
                partial.segments.append(OutputFile(name: name, contentType: HLSTranscode.ContentType.segment, path: directory + "/" + segment.name))
            }
            seen[name] = text
            partial.playlists.append((name, text))
        }
        // A provisional master once: players read it once, then the media playlists. The final
        // one, with the whole stream's rates, replaces it at the end.
        if !partial.playlists.isEmpty, !masterPublished, let text = master() {
            masterPublished = true
            partial.playlists.append((HLSTranscode.masterName, text))
        }
        return partial.playlists.isEmpty ? nil : partial
    }

    /// The segment file names a playlist lists.
    private static func segmentNames(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty })
    }

    /// Rewrites a finished EVENT playlist as VOD (it ends with `#EXT-X-ENDLIST` already).
    static func markVOD(_ path: String) throws(MediaError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw MediaError(.internalError, "The media playlist \((path as NSString).lastPathComponent) was not written.")
        }
        do {
            try text.replacingOccurrences(of: "#EXT-X-PLAYLIST-TYPE:EVENT", with: "#EXT-X-PLAYLIST-TYPE:VOD").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw MediaError(.internalError, "The media playlist \((path as NSString).lastPathComponent) could not be rewritten: \(error)")
        }
    }
}
