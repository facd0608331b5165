public import ServiceDescriptors

/// The `media-transcoder` service, as the platform and the service both know it.
public enum MediaTranscoderDescriptor {
    public static let service = ServiceDescriptor(
        image: "media-transcoder",
        containerClass: "MediaTranscoder",
        binding: "MEDIA_TRANSCODER",
        apiName: "media",
        containerPath: "media-transcoding",
        instanceType: "standard-2",
        jobsPerInstance: 4,
        operations: [
            OperationDescriptor(
                name: "hls-transcode",
                summary: "An HLS adaptive ladder from one upload: one decode split to every rendition (H.264, closed GOPs of one length, keyframes aligned), MPEG-TS segments, an AAC audio rendition, a master playlist and a JPEG poster. Renditions above the source's size are left out.",
                parameters: ladderParameters,
                stream: StreamOutputs(nameParameter: "stream_name", entryFile: "master.m3u8"),
                timeoutSeconds: 3600,
                outputs: [playlist, segment, .jpeg, .json]
            ),
            OperationDescriptor(
                name: "dash",
                summary: "The same ladder as an MPD with CMAF (fMP4) segments, video and audio in separate adaptation sets; HLS playlists over the same segments (master.m3u8) and a JPEG poster.",
                parameters: ladderParameters,
                stream: StreamOutputs(nameParameter: "stream_name", entryFile: "manifest.mpd"),
                timeoutSeconds: 3600,
                outputs: [OutputType("application/dash+xml", fileExtension: ".mpd"), OutputType("video/iso.segment", fileExtension: ".m4s"), playlist, .jpeg, .json]
            ),
            OperationDescriptor(
                name: "live-stream",
                summary: "A live HLS stream from a publisher's continuous MPEG-TS or fMP4 (a chunked POST/PUT to the ingest URL): the same ladder (one decode, aligned closed GOPs), live playlists of the last 6 segments updated as each is cut; when the ingest ends or stalls, VOD playlists of every segment with EXT-X-ENDLIST.",
                input: .none,
                parameters: liveParameters,
                stream: StreamOutputs(nameParameter: "stream_name", entryFile: "master.m3u8"),
                timeoutSeconds: 4 * 3600,
                outputs: [playlist, segment, .jpeg, .json]
            ),
            OperationDescriptor(
                name: "audio-encode",
                summary: "The input's audio as MP3, AAC (in M4A), Opus (in Ogg) or FLAC, with bit rate, sample rate, channels, title/artist/album tags and a cover image (mp3, m4a).",
                parameters: audioParameters(defaultFormat: "mp3") + tagParameters,
                timeoutSeconds: 1800,
                outputs: audioOutputs
            ),
            OperationDescriptor(
                name: "normalize",
                summary: "Loudness normalized as a two-pass EBU R128: ebur128 measures integrated loudness, true peak and range, then loudnorm applies one gain (linear mode; its dynamic mode when the peak limit needs it).",
                parameters: [
                    ParameterSpec("targetLUFS", .number(-70...(-5)), default: -16, summary: "Integrated loudness to reach, LUFS."),
                    ParameterSpec("truePeak", .number(-9...0), default: -1.5, summary: "True-peak ceiling, dBTP."),
                ] + audioParameters(defaultFormat: "mp3") + tagParameters,
                timeoutSeconds: 1800,
                outputs: audioOutputs
            ),
            OperationDescriptor(
                name: "denoise",
                summary: "Broadband noise reduced with libavfilter's afftdn (FFT denoiser): reduction dB off what sits near noiseFloor; output as audio-encode.",
                parameters: [
                    ParameterSpec("reduction", .number(0.01...97), default: 12, summary: "Noise reduction in dB (afftdn nr)."),
                    ParameterSpec("noiseFloor", .number(-80...(-20)), default: -50, summary: "The recording's noise level in dBFS (afftdn nf): set it near the RMS of its quietest passages."),
                ] + audioParameters(defaultFormat: "mp3") + tagParameters,
                timeoutSeconds: 1800,
                outputs: audioOutputs
            ),
            OperationDescriptor(
                name: "chapters",
                summary: "The audio with podcast chapters: ID3v2 CHAP frames (and a CTOC) in MP3, or a chapter track in M4A; tags as in audio-encode.",
                parameters: [
                    ParameterSpec("chapters", .text(maxBytes: 65_536), required: true,
                                  summary: "JSON text: a list of {\"start\": seconds, \"title\": text}, starts rising, e.g. [{\"start\":0,\"title\":\"Intro\"},{\"start\":95,\"title\":\"Interview\"}]. Each ends where the next starts; the last at the end."),
                ] + audioParameters(defaultFormat: "mp3", formats: ["mp3", "aac", "m4a"]) + tagParameters,
                timeoutSeconds: 1800,
                outputs: audioOutputs
            ),
        ]
    )

    /// Format, bit rate, sample rate and channels of the audio operations.
    static func audioParameters(defaultFormat: String, formats: [String] = ["mp3", "aac", "m4a", "opus", "flac"]) -> [ParameterSpec] {
        [
            ParameterSpec("format", .choice(formats), default: .string(defaultFormat), summary: "mp3, aac (in an .m4a), opus (in Ogg) or flac."),
            ParameterSpec("bitrate", .integer(8...512), default: 128, summary: "kbit/s of the lossy formats (ignored by flac)."),
            ParameterSpec("sampleRate", .integer(8000...192_000), summary: "Hz; absent keeps the source's if the encoder takes it (opus: 8000, 12000, 16000, 24000 or 48000)."),
            ParameterSpec("channels", .integer(1...8), summary: "Channel count; absent keeps the source's, at most 2."),
        ]
    }

    /// Tags written into the file (ID3v2, MP4 atoms, Vorbis comments), and the cover image.
    static let tagParameters: [ParameterSpec] = ["title", "artist", "album"].map {
        ParameterSpec($0, .text(maxBytes: 512), summary: "The \($0) tag.")
    } + [coverParameter]

    /// The cover image: an upload sent to the service as the attachment `cover`.
    public static let coverParameter = ParameterSpec(
        "cover", .objectKey,
        summary: "R2 key of an uploaded JPEG or PNG (at most 10 MiB) written as the cover picture (ID3v2 APIC in mp3, covr in m4a; a 400 with opus or flac, a 422 when it is not a JPEG or PNG image)."
    ).accepting(AcceptedObjects([.init("image/jpeg", maxBytes: 10 << 20), .init("image/png", maxBytes: 10 << 20)]))

    static let audioOutputs: [OutputType] = [
        OutputType("audio/mpeg", fileExtension: ".mp3"), OutputType("audio/mp4", fileExtension: ".m4a"),
        OutputType("audio/ogg", fileExtension: ".opus"), OutputType("audio/flac", fileExtension: ".flac"),
    ]

    /// The parameters of `hls-transcode` and `dash`.
    static let ladderParameters: [ParameterSpec] = [
        ParameterSpec("qualities", .choices(ladderNames), default: .string(ladderNames.joined(separator: ",")),
                      summary: "Renditions from the ladder: mobile 426x240 400k, low 640x360 800k, medium 854x480 1.4M, high 1280x720 2.8M, full 1920x1080 5M. Those larger than the source are skipped."),
        ParameterSpec("segmentSeconds", .number(1...30), default: 6, summary: "Segment length in seconds; every rendition has a keyframe (closed GOP) exactly this often."),
        ParameterSpec("stream_name", .text(maxBytes: 128), summary: "The stream's name (1-128 letters, digits, - and _), unique on the platform: its files are stored under streams/<name>/ and play at /streams/<name>/. The job id when absent."),
    ]

    /// The parameters of `live-stream`.
    static let liveParameters: [ParameterSpec] = [
        ParameterSpec("qualities", .choices(ladderNames), default: "mobile,low",
                      summary: "Renditions from the ladder (as hls-transcode); those larger than the source are skipped."),
        ParameterSpec("segmentSeconds", .number(1...10), default: 2, summary: "Segment (and GOP) length in seconds."),
        ParameterSpec("stream_name", .text(maxBytes: 128), summary: "The stream's name (letters, digits, - and _); the job id when absent."),
        ParameterSpec("stallSeconds", .number(1...300), default: 10,
                      summary: "Once the publisher has sent bytes, this many seconds without one end the stream (kept as VOD, as when the ingest ends)."),
        ParameterSpec("waitSeconds", .number(1...3600), default: 120,
                      summary: "How long the stream waits for its publisher's first bytes before it fails (422)."),
    ]

    /// The ladder's quality names, smallest first.
    public static let ladderNames = ["mobile", "low", "medium", "high", "full"]

    static let playlist = OutputType("application/vnd.apple.mpegurl", fileExtension: ".m3u8")
    static let segment = OutputType("video/mp2t", fileExtension: ".ts")
}
