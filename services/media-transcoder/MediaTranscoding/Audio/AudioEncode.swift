/// `audio-encode`: the input's audio as MP3, AAC (M4A), Opus (Ogg) or FLAC, with its bit rate,
/// sample rate, channels and tags.
public enum AudioEncode {
    /// The output's name (R2 keys add the format's extension).
    public static let outputName = "audio"

    /// Encodes `inputPath` into `directory`.
    public static func run(inputPath: String, request: AudioEncodeRequest, directory: String, progress: (Double, String) -> Void = { _, _ in },
                           isCancelled: () -> Bool = { false }) throws(MediaError) -> (summary: EncodeSummary, files: [OutputFile]) {
        let path = directory + "/" + outputName + request.format.fileExtension
        let summary = try Transcoder.run(inputPath: inputPath, settings: request.settings(path: path), progress: progress, isCancelled: isCancelled)
        return (summary, [OutputFile(name: outputName, contentType: request.format.contentType, path: path)])
    }
}
