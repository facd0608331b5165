public import ServiceKit

/// `extract-audio`: the input's audio alone, re-encoded as AAC (ADTS), MP3, Opus (Ogg), FLAC or WAV.
public struct AudioExtraction: Sendable, Equatable {
    /// An output audio format: its muxer, encoder, media type and file extension.
    public enum Format: String, Sendable, CaseIterable {
        case aac, mp3, opus, flac, wav

        var muxer: String { switch self { case .aac: "adts"; case .mp3: "mp3"; case .opus: "opus"; case .flac: "flac"; case .wav: "wav" } }
        var encoder: String { switch self { case .aac: "aac"; case .mp3: "libmp3lame"; case .opus: "libopus"; case .flac: "flac"; case .wav: "pcm_s16le" } }
        /// The media type of the output.
        public var contentType: String {
            switch self { case .aac: "audio/aac"; case .mp3: "audio/mpeg"; case .opus: "audio/ogg"; case .flac: "audio/flac"; case .wav: "audio/wav" }
        }
        var fileExtension: String { switch self { case .aac: ".aac"; case .mp3: ".mp3"; case .opus: ".opus"; case .flac: ".flac"; case .wav: ".wav" } }
        /// Whether a bit rate applies (not to the lossless ones).
        var isLossy: Bool { self != .flac && self != .wav }
    }

    public var format: Format
    /// Bits per second (lossy formats); nil for the default, 128 kbit/s.
    public var bitRate: Int64?
    public var sampleRate: Int?
    public var channels: Int?

    /// Reads the `extract-audio` parameters.
    public init(parameters: JobParameters) throws(ServiceError) {
        let name = try parameters.string("format")?.lowercased() ?? "aac"
        guard let format = Format(rawValue: name) else {
            throw .invalidParameter("format", "must be one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\".")
        }
        self.format = format
        bitRate = try parameters.int("bitrate").map { Int64($0) * 1000 }
        sampleRate = try parameters.int("sampleRate")
        channels = try parameters.int("channels")
    }

    /// Extracts the audio of `inputPath` into `directory`.
    public func run(inputPath: String, directory: String, progress: (Double, String) -> Void = { _, _ in },
                    isCancelled: () -> Bool = { false }) throws(VideoError) -> (summary: EncodeSummary, files: [OutputFile]) {
        let path = directory + "/audio" + format.fileExtension
        let audio = EncodeSettings.Audio(
            encoder: format.encoder, bitRate: format.isLossy ? (bitRate ?? 128_000) : nil, sampleRate: sampleRate, channels: channels
        )
        let settings = EncodeSettings(muxer: format.muxer, path: path, audio: audio, requireAudio: true)
        let summary = try Transcoder.run(inputPath: inputPath, settings: settings, progress: progress, isCancelled: isCancelled)
        return (summary, [OutputFile(name: "audio", contentType: format.contentType, path: path)])
    }
}
