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
                summary: "One frame at a timestamp as PNG or JPEG, optionally scaled.",
                parameters: [
                    ParameterSpec("timestamp", .number(0...86_400 * 365), default: 0, summary: "Seconds into the video (at most its duration)."),
                    ParameterSpec("width", .integer(0...8192), default: 0, summary: "Width in pixels; 0 keeps the source size or the aspect ratio."),
                    ParameterSpec("height", .integer(0...8192), default: 0, summary: "Height in pixels; 0 keeps the source size or the aspect ratio."),
                    ParameterSpec("format", .choice(["png", "jpeg", "jpg"]), default: "png", summary: "Image format."),
                    ParameterSpec("quality", .integer(1...100), default: 90, summary: "JPEG quality."),
                ],
                timeoutSeconds: 300,
                outputs: [.png, .jpeg]
            ),
            OperationDescriptor(
                name: "process",
                summary: "Transcode to MP4 (H.264 + AAC), WebM (VP9 + Opus) or HLS (H.264 + AAC segments and a VOD playlist).",
                parameters: [
                    ParameterSpec("outputFormat", .choice(["mp4", "webm", "hls"]), default: "mp4", summary: "Container and codecs."),
                    ParameterSpec("quality", .choice(["low", "medium", "high", "ultra"]), default: "medium",
                                  summary: "CRF and maximum height (shorter side): low 28/480, medium 23/720, high 20/1080, ultra 17/2160 (H.264 CRF; VP9 40/34/30/24)."),
                    ParameterSpec("resolution", .text(maxBytes: 16), summary: "WIDTHxHEIGHT (fit inside, aspect kept) or a height; never larger than the source unless upscale."),
                    ParameterSpec("upscale", .boolean, default: false, summary: "Let resolution enlarge the picture."),
                    ParameterSpec("bitrate", .integer(100...50_000), summary: "Video bit rate in kbit/s (average bit rate instead of the quality's CRF)."),
                    ParameterSpec("framerate", .number(1...120), summary: "Output frames per second; absent keeps the source's."),
                    ParameterSpec("segmentSeconds", .number(1...30), default: 4, summary: "HLS segment length (a keyframe starts each)."),
                ],
                timeoutSeconds: 3600,
                outputs: [Self.mp4, Self.webm, Self.playlist, Self.segment]
            ),
        ],
        catalogues: [Catalogue(name: "formats", summary: "The containers and codecs the service reads.")],
        aliases: [
            RouteAlias("/api/containers/video-processing/process", .operationField("operation", allowed: ["analyze", "thumbnail", "process"])),
        ]
    )

    static let mp4 = OutputType("video/mp4", fileExtension: ".mp4")
    static let webm = OutputType("video/webm", fileExtension: ".webm")
    static let playlist = OutputType("application/vnd.apple.mpegurl", fileExtension: ".m3u8")
    static let segment = OutputType("video/mp2t", fileExtension: ".ts")
}
