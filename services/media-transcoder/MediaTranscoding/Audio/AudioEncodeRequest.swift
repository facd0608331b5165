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

    /// The tag parameters.
    public static let tagNames = ["title", "artist", "album"]

    /// Reads the parameters; `defaultFormat` when `format` is absent.
    public init(parameters: JobParameters, defaultFormat: AudioFormat = .mp3) throws(ServiceError) {
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
    }

    /// The encode of the audio alone, `filters` (e.g. loudnorm) first.
    func settings(path: String, filters: [String] = [], chapters: [Chapter] = []) -> EncodeSettings {
        let audio = EncodeSettings.Audio(encoder: format.encoder, bitRate: format.isLossy ? bitRate : nil, sampleRate: sampleRate, channels: channels, filters: filters)
        var settings = EncodeSettings(muxer: format.muxer, path: path, muxerOptions: format.muxerOptions, audio: audio, requireAudio: true)
        settings.metadata = tags
        settings.chapters = chapters
        return settings
    }
}
