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
        ],
        catalogues: [Catalogue(name: "formats", summary: "The containers and codecs the service reads.")],
        aliases: [
            RouteAlias("/api/containers/video-processing/process", .operationField("operation", allowed: ["analyze", "thumbnail"])),
        ]
    )
}
