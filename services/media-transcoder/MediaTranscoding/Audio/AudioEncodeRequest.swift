public import ServiceKit

/// How `audio-encode`, `normalize` and `chapters` write their audio: format, bit rate, sample
/// rate, channels and tags. Read from a job's parameters, whose ranges the descriptor has checked.
public struct AudioEncodeRequest: Sendable, Equatable {
    public var format: AudioFormat
    /// Bits per second for the lossy formats.
    public var bitRate: Int64
    /// Hz; nil keeps the source's when the encoder takes it.
    public var sampleRate: Int?
    /// Nil keeps the source's, at most 2.
    public var channels: Int?
    /// `title`, `artist`, `album` as given.
    public var tags: [String: String]
    /// The cover image's file (the job's `cover` attachment), muxed in as an attached picture.
    public var coverPath: String?

    /// The tag parameters.
    public static let tagNames = ["title", "artist", "album"]

    /// The parameter naming the cover image's upload, and the job's attachment carrying it.
    public static let coverParameter = "cover"

    /// Reads the parameters; `defaultFormat` when `format` is absent.
    /// - Parameter attachments: the job's attached files (``Job/attachments``); nil when only
    ///   validating, before they exist.
    /// - Throws: 400 for a cover with a format that carries none (opus, flac), or a cover key
    ///   whose file was not sent.
    public init(parameters: JobParameters, defaultFormat: AudioFormat = .mp3, attachments: [String: [String]]? = nil) throws(ServiceError) {
        if let name = try parameters.string("format") {
            guard let format = AudioFormat(name: name) else {
                throw .invalidParameter("format", "must be one of \(AudioFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\".")
            }
            self.format = format
        } else {
            format = defaultFormat
        }
        bitRate = Int64(try parameters.int("bitrate") ?? 128) * 1000
        sampleRate = try parameters.int("sampleRate")
        channels = try parameters.int("channels")
        var tags: [String: String] = [:]
        for name in Self.tagNames {
            if let value = try parameters.string(name), !value.isEmpty { tags[name] = value }
        }
        self.tags = tags
        let coverKey = try parameters.string(Self.coverParameter).flatMap { $0.isEmpty ? nil : $0 }
        coverPath = attachments?[Self.coverParameter]?.first
        if coverKey != nil || coverPath != nil {
            guard format.carriesCover else {
                throw .invalidParameter(Self.coverParameter, "cover images are written to mp3 and m4a (aac) only, not \(format.rawValue).")
            }
            if let attachments, attachments[Self.coverParameter]?.first == nil {
                throw .invalidParameter(Self.coverParameter, "the image was not sent with the job (the platform sends it as the multipart part \"\(Self.coverParameter)\").")
            }
        }
    }

    /// The encode of the audio alone, `filters` (e.g. loudnorm) first.
    func settings(path: String, filters: [String] = [], chapters: [Chapter] = []) -> EncodeSettings {
        let audio = EncodeSettings.Audio(encoder: format.encoder, bitRate: format.isLossy ? bitRate : nil, sampleRate: sampleRate, channels: channels, filters: filters)
        var settings = EncodeSettings(muxer: format.muxer, path: path, muxerOptions: format.muxerOptions, audio: audio, requireAudio: true)
        settings.metadata = tags
        settings.chapters = chapters
        settings.coverPath = coverPath
        return settings
    }
}
