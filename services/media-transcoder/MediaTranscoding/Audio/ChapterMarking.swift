/// `chapters`: the audio re-encoded as MP3 (ID3v2 CHAP frames and a CTOC) or M4A (an MP4
/// chapter track), with the chapters and tags given.
public enum ChapterMarking {
    /// The output's name (R2 keys add the format's extension).
    public static let outputName = "audio"
    /// The formats that carry chapters.
    public static let formats: [AudioFormat] = [.mp3, .aac]

    /// Writes `inputPath`'s audio with `list`'s chapters into `directory`.
    public static func run(inputPath: String, list: ChapterList, request: AudioEncodeRequest, directory: String, progress: (Double, String) -> Void = { _, _ in },
                           isCancelled: () -> Bool = { false }) throws(MediaError) -> (summary: EncodeSummary, files: [OutputFile]) {
        guard formats.contains(request.format) else {
            throw MediaError(.invalidParameter, "Chapters are written in mp3 or aac (m4a), not \(request.format.rawValue).")
        }
        let duration = try MediaInput.open(path: inputPath).duration ?? 0
        guard duration > 0 else { throw MediaError(.unreadableInput, "The input's duration is unknown, so the last chapter cannot end.") }
        let chapters = try list.chapters(duration: duration)
        let path = directory + "/" + outputName + request.format.fileExtension
        let summary = try Transcoder.run(inputPath: inputPath, settings: request.settings(path: path, chapters: chapters), progress: progress, isCancelled: isCancelled)
        return (summary, [OutputFile(name: outputName, contentType: request.format.contentType, path: path)])
    }
}
