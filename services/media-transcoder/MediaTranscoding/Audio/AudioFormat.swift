/// An audio output of `audio-encode`, `normalize` and `chapters`: its muxer, encoder, media type
/// and file extension.
public enum AudioFormat: String, Sendable, CaseIterable {
    /// MP3 (LAME), ID3v2 tags and CHAP chapters.
    case mp3
    /// AAC-LC in an M4A (MP4) file, with iTunes-style tags and a chapter track.
    case aac
    /// Opus in Ogg.
    case opus
    /// FLAC (lossless), Vorbis comments.
    case flac

    var muxer: String { switch self { case .mp3: "mp3"; case .aac: "mp4"; case .opus: "ogg"; case .flac: "flac" } }
    var encoder: String { switch self { case .mp3: "libmp3lame"; case .aac: "aac"; case .opus: "libopus"; case .flac: "flac" } }
    /// The media type of the output.
    public var contentType: String { switch self { case .mp3: "audio/mpeg"; case .aac: "audio/mp4"; case .opus: "audio/ogg"; case .flac: "audio/flac" } }
    /// The extension the descriptor declares for it.
    public var fileExtension: String { switch self { case .mp3: ".mp3"; case .aac: ".m4a"; case .opus: ".opus"; case .flac: ".flac" } }
    /// Whether a bit rate applies (not to FLAC).
    var isLossy: Bool { self != .flac }
    /// Whether the container holds a cover picture (ID3v2 APIC, MP4 `covr`).
    var carriesCover: Bool { self == .mp3 || self == .aac }
    /// Muxer options: MP4 moves its index to the front; MP3 writes ID3v2.3 (what most players read).
    var muxerOptions: [String: String] {
        switch self {
        case .aac: ["movflags": "+faststart"]
        case .mp3: ["id3v2_version": "3"]
        default: [:]
        }
    }
    /// Names accepted for it (`m4a` is AAC).
    public init?(name: String) {
        switch name.lowercased() {
        case "mp3": self = .mp3
        case "aac", "m4a": self = .aac
        case "opus", "ogg": self = .opus
        case "flac": self = .flac
        default: return nil
        }
    }
}
