public import ServiceDescriptors

/// The `video-processor` service, as the platform and the service both know it.
public enum VideoProcessorDescriptor {
    public static let service = ServiceDescriptor(
        image: "video-processor",
        containerClass: "VideoProcessor",
        binding: "VIDEO_PROCESSOR",
        apiName: "video",
        containerPath: "video-processing",
        instanceType: "standard-1",
        jobsPerInstance: 3,
        operations: [
            OperationDescriptor(
                name: "analyze",
                summary: "Container, duration, bitrate and every stream's codec, size, frame rate and sample format.",
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "thumbnail",
                summary: "Frames at one or more times (or every interval seconds) as PNG, JPEG or WebP, optionally scaled; or one contact sheet with a WebVTT map.",
                parameters: [
                    ParameterSpec("timestamp", .number(0...86_400 * 365), default: 0, summary: "Seconds into the video (at most its duration)."),
                    ParameterSpec("timestamps", .text(maxBytes: 4096), summary: "Several times, comma-separated seconds (e.g. \"1,2.5,10\"); at most \(maxThumbnails)."),
                    ParameterSpec("thumbnailTimes", .text(maxBytes: 4096), summary: "The same as timestamps (the seed's name)."),
                    ParameterSpec("interval", .number(0.1...86_400), summary: "A frame every this many seconds from 0 (at most \(maxThumbnails) frames)."),
                    ParameterSpec("width", .integer(0...8192), default: 0, summary: "Width in pixels; 0 keeps the source size or the aspect ratio."),
                    ParameterSpec("height", .integer(0...8192), default: 0, summary: "Height in pixels; 0 keeps the source size or the aspect ratio."),
                    ParameterSpec("format", .choice(["png", "jpeg", "jpg", "webp"]), default: "png", summary: "Image format."),
                    ParameterSpec("quality", .integer(1...100), default: 90, summary: "JPEG and WebP quality."),
                    ParameterSpec("sprite", .boolean, default: false, summary: "One contact sheet of every time (tiles 160 px wide unless width/height say) plus a WebVTT map."),
                    ParameterSpec("columns", .integer(1...50), summary: "Tiles per row of the sprite; default about a square grid."),
                    autorotateParameter,
                ],
                timeoutSeconds: 300,
                outputs: [.png, .jpeg, Self.webp, Self.vtt]
            ),
            OperationDescriptor(
                name: "process",
                summary: "Transcode to MP4 (H.264 + AAC), WebM (VP9 + Opus) or HLS (H.264 + AAC segments and a VOD playlist), optionally with a text or image watermark.",
                parameters: transcodeParameters + [
                    ParameterSpec("watermark", .text(maxBytes: 200), summary: "Text drawn on the video (see the watermark operation for position, opacity, margin, fontSize)."),
                    watermarkImageParameter,
                ] + watermarkPlacement,
                timeoutSeconds: 3600,
                outputs: [Self.mp4, Self.webm, Self.playlist, Self.segment]
            ),
            OperationDescriptor(
                name: "watermark",
                summary: "The video re-encoded (as process does) with a text mark in DejaVu Sans Bold, or an R2 image (PNG with alpha) overlaid.",
                parameters: [
                    ParameterSpec("text", .text(maxBytes: 200), summary: "The mark's text (this or imageKey)."),
                    watermarkImageParameter,
                ] + watermarkPlacement + transcodeParameters,
                timeoutSeconds: 3600,
                outputs: [Self.mp4, Self.webm, Self.playlist, Self.segment]
            ),
            OperationDescriptor(
                name: "compress",
                summary: "An H.264 + AAC mp4 of a target size (two-pass, within ±10 %), or without a target a constant quality by resolution (CRF 26 ≤480p, 25 ≤720p, 24 ≤1080p, else 23).",
                parameters: [
                    ParameterSpec("targetSizeBytes", .integer(100_000...100_000_000_000),
                                  summary: "Target file size. Reachable when ≥ duration × 114 kbit/s ÷ 8 (50 kbit/s video + 64 kbit/s audio); below that a 400 names the floor."),
                    ParameterSpec("targetSizeMB", .number(0.1...100_000), summary: "Target size in megabytes (10^6 bytes), instead of targetSizeBytes."),
                    autorotateParameter,
                ],
                timeoutSeconds: 3600,
                outputs: [Self.mp4]
            ),
            OperationDescriptor(
                name: "extract-audio",
                summary: "The audio alone as AAC (ADTS), MP3, Opus (Ogg), FLAC or WAV (16-bit PCM).",
                parameters: [
                    ParameterSpec("format", .choice(["aac", "mp3", "opus", "flac", "wav"]), default: "aac", summary: "Audio format."),
                    ParameterSpec("bitrate", .integer(8...512), default: 128, summary: "kbit/s for aac, mp3 and opus (ignored by flac and wav)."),
                    ParameterSpec("sampleRate", .integer(8000...192_000), summary: "Hz; absent keeps the source's if the encoder takes it (opus: 8000, 12000, 16000, 24000 or 48000)."),
                    ParameterSpec("channels", .integer(1...8), summary: "Channel count; absent keeps the source's, at most 2."),
                ],
                timeoutSeconds: 1800,
                outputs: [
                    OutputType("audio/aac", fileExtension: ".aac"), OutputType("audio/mpeg", fileExtension: ".mp3"),
                    OutputType("audio/ogg", fileExtension: ".opus"), OutputType("audio/flac", fileExtension: ".flac"),
                    OutputType("audio/wav", fileExtension: ".wav"),
                ]
            ),
            OperationDescriptor(
                name: "scenes",
                summary: "Scene cuts from libavfilter's scdet: {\"scenes\":[{\"start\",\"end\",\"score\"}]} in seconds.",
                parameters: [
                    ParameterSpec("threshold", .number(1...100), default: 10, summary: "scdet score (0–100, the frame difference) at which a frame starts a new scene; 10 is scdet's default."),
                    ParameterSpec("minSceneSeconds", .number(0...3600), default: 0.5, summary: "Cuts closer than this to the previous one are ignored."),
                    ParameterSpec("thumbnails", .boolean, default: false, summary: "Also one image per scene (its first frame), as scene-000, scene-001… (at most \(maxThumbnails))."),
                    ParameterSpec("format", .choice(["png", "jpeg", "jpg", "webp"]), default: "jpeg", summary: "Image format of the scene thumbnails."),
                    ParameterSpec("width", .integer(16...8192), default: 320, summary: "Width of the scene thumbnails (aspect kept)."),
                    autorotateParameter,
                ],
                timeoutSeconds: 1800,
                outputs: [.json, .png, .jpeg, Self.webp]
            ),
        ],
        catalogues: [Catalogue(name: "formats", summary: "The containers and codecs the service reads.")],
        aliases: [
            RouteAlias("/api/containers/video-processing/process", .operationField("operation", allowed: ["analyze", "thumbnail", "process", "compress", "watermark", "extract-audio", "scenes"])),
        ]
    )

    /// The encode settings `process`, `watermark` share.
    static let transcodeParameters: [ParameterSpec] = [
        ParameterSpec("outputFormat", .choice(["mp4", "webm", "hls"]), default: "mp4", summary: "Container and codecs."),
        ParameterSpec("quality", .choice(["low", "medium", "high", "ultra"]), default: "medium",
                      summary: "CRF and maximum height (shorter side): low 28/480, medium 23/720, high 20/1080, ultra 17/2160 (H.264 CRF; VP9 40/34/30/24)."),
        ParameterSpec("resolution", .text(maxBytes: 16), summary: "WIDTHxHEIGHT (fit inside, aspect kept) or a height; never larger than the source unless upscale."),
        ParameterSpec("upscale", .boolean, default: false, summary: "Let resolution enlarge the picture."),
        ParameterSpec("bitrate", .integer(100...50_000), summary: "Video bit rate in kbit/s (average bit rate instead of the quality's CRF)."),
        ParameterSpec("framerate", .number(1...120), summary: "Output frames per second; absent keeps the source's."),
        ParameterSpec("segmentSeconds", .number(1...30), default: 4, summary: "HLS segment length (a keyframe starts each)."),
        autorotateParameter,
    ]

    /// Whether a display-matrix rotation (phone videos) is applied to the pixels.
    static let autorotateParameter = ParameterSpec(
        "autorotate", .boolean, default: true,
        summary: "Turn the picture upright by the video's display matrix (90/180/270°), as the ffmpeg CLI does; sizes and the watermark then refer to the upright picture."
    )

    /// An image mark: the R2 key of a PNG (alpha kept), sent to the service as an attachment.
    static let watermarkImageParameter = ParameterSpec(
        "imageKey", .objectKey,
        summary: "R2 key of an image (PNG with alpha) overlaid as the mark instead of text; scaled down to fit inside the margins if larger than the video."
    )

    /// Where and how a watermark is drawn.
    static let watermarkPlacement: [ParameterSpec] = [
        ParameterSpec("position", .choice(["top-left", "top-right", "bottom-left", "bottom-right", "center"]), default: "bottom-right", summary: "Where the mark goes."),
        ParameterSpec("opacity", .number(0...1), default: 0.7, summary: "0 invisible … 1 opaque (multiplies an image's own alpha)."),
        ParameterSpec("margin", .integer(0...1000), default: 16, summary: "Pixels from the edges."),
        ParameterSpec("fontSize", .integer(6...400), default: 32, summary: "Text height in pixels (text marks)."),
    ]

    /// The most frames one thumbnail job makes.
    public static let maxThumbnails = 100

    static let webp = OutputType("image/webp", fileExtension: ".webp")
    static let vtt = OutputType("text/vtt", fileExtension: ".vtt")
    static let mp4 = OutputType("video/mp4", fileExtension: ".mp4")
    static let webm = OutputType("video/webm", fileExtension: ".webm")
    static let playlist = OutputType("application/vnd.apple.mpegurl", fileExtension: ".m3u8")
    static let segment = OutputType("video/mp2t", fileExtension: ".ts")
}
