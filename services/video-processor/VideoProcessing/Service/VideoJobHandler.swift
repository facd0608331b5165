public import Hummingbird
public import ServiceKit
import VideoProcessorDescriptor

/// The video-processor's operations for ``ContainerService`` (see the descriptor for their
/// parameters), plus `GET /formats`.
public struct VideoJobHandler: JobHandler {
    /// Creates the handler.
    public init() {}

    public var descriptor: ServiceDescriptor? { VideoProcessorDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        switch operation {
        case "thumbnail":
            _ = try Self.thumbnailRequest(parameters)
            _ = try Self.thumbnailTimes(parameters)
        case "process":
            _ = try TranscodeRequest(parameters: parameters)
            _ = try Watermark(parameters: parameters, textParameter: "watermark")
        case "watermark":
            _ = try TranscodeRequest(parameters: parameters)
            guard try Watermark(parameters: parameters, textParameter: "text") != nil else { throw Watermark.missing }
        case "extract-audio":
            _ = try AudioExtraction(parameters: parameters)
        default:
            break
        }
    }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        guard let path = job.inputPath else { throw ServiceError.badRequest("The \(job.operation) operation needs an input.", code: "missing_input") }
        switch job.operation {
        case "analyze":
            context.progress(0, stage: "analyzing")
            let analysis = try await context.runBlocking { () throws(ServiceError) -> MediaAnalysis in
                do throws(VideoError) { return try MediaAnalyzer.analyze(path: path) } catch { throw Self.serviceError(error) }
            }
            return .json(analysis)
        case "thumbnail":
            return try await thumbnail(job, path: path, context: context)
        case "process", "watermark":
            let request = try TranscodeRequest(parameters: job.parameters)
            let watermark = try Watermark(parameters: job.parameters, textParameter: job.operation == "watermark" ? "text" : "watermark",
                                          attachments: job.attachments)
            if job.operation == "watermark" && watermark == nil {
                throw Watermark.missing
            }
            return try await Self.withScratch(job, context: context) { directory in
                try ProcessOperation.run(inputPath: path, request: request, watermark: watermark, directory: directory, progress: context.progress,
                                         isCancelled: { context.isCancelled })
            }
        case "compress":
            let compress = try CompressOperation(parameters: job.parameters)
            return try await Self.withScratch(job, context: context) { directory in
                try compress.run(inputPath: path, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        case "extract-audio":
            let extraction = try AudioExtraction(parameters: job.parameters)
            return try await Self.withScratch(job, context: context) { directory in
                try extraction.run(inputPath: path, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        case "scenes":
            let threshold = try job.parameters.double("threshold") ?? SceneDetector.defaultThreshold
            let minSceneSeconds = try job.parameters.double("minSceneSeconds") ?? SceneDetector.defaultMinSceneSeconds
            let result = try await context.runBlocking { () throws(ServiceError) -> SceneDetector.Result in
                do throws(VideoError) {
                    return try SceneDetector.detect(path: path, threshold: threshold, minSceneSeconds: minSceneSeconds, progress: { fraction, stage in
                        context.progress(fraction, stage: stage)
                    }, isCancelled: { context.isCancelled })
                } catch {
                    throw Self.serviceError(error)
                }
            }
            guard job.parameters.values["thumbnails"].flatMap(ParameterSpec.boolean) == true else { return .json(result) }
            let formatName = try job.parameters.string("format") ?? "jpeg"
            guard let format = ImageFormat(name: formatName) else { throw ServiceError.invalidParameter("format", "must be png, jpeg or webp, got \"\(formatName)\".") }
            let width = try job.parameters.int("width") ?? 320
            let autorotate = Self.autorotate(job.parameters)
            let starts = Array(result.scenes.map(\.start).prefix(VideoProcessorDescriptor.maxThumbnails))
            return try await context.runBlocking { () throws(ServiceError) -> JobResult in
                do throws(VideoError) {
                    let request = try ThumbnailRequest(width: width, format: format, autorotate: autorotate)
                    let thumbnails = try ThumbnailExtractor.thumbnails(path: path, times: starts, request: request, isCancelled: { context.isCancelled })
                    var files: [JobOutputFile] = []
                    for (index, thumbnail) in thumbnails.enumerated() {
                        files.append(JobOutputFile(name: "scene-" + Self.sequence(index), contentType: format.contentType, bytes: thumbnail.bytes))
                    }
                    return .files(files, metadata: result)
                } catch {
                    throw Self.serviceError(error)
                }
            }
        default:
            throw ServiceError.badRequest("Unknown operation \"\(job.operation)\".", code: "unknown_operation")
        }
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        let formats = SupportedFormats.current()
        router.get("/formats") { _, _ in
            try ServiceJSON.response(formats)
        }
    }

    /// One thumbnail (the original shape: the image as the body), or several, or a sprite.
    private func thumbnail(_ job: Job, path: String, context: JobContext) async throws -> JobResult {
        let request = try Self.thumbnailRequest(job.parameters)
        let times = try Self.thumbnailTimes(job.parameters)
        let interval = try job.parameters.double("interval")
        let sprite = job.parameters.values["sprite"].flatMap(ParameterSpec.boolean) ?? false
        let columns = try job.parameters.int("columns")
        guard times != nil || interval != nil || sprite else {
            let thumbnail = try await context.runBlocking { () throws(ServiceError) -> Thumbnail in
                do throws(VideoError) {
                    return try ThumbnailExtractor.thumbnail(path: path, request: request, progress: { fraction, stage in
                        context.progress(fraction, stage: stage)
                    }, isCancelled: { context.isCancelled })
                } catch {
                    throw Self.serviceError(error)
                }
            }
            return .file(JobOutputFile(name: "thumbnail", contentType: request.format.contentType, bytes: thumbnail.bytes, metadata: thumbnail.info))
        }
        return try await context.runBlocking { () throws(ServiceError) -> JobResult in
            do throws(VideoError) {
                return try Self.thumbnailSet(path: path, request: request, times: times, interval: interval, sprite: sprite, columns: columns, context: context)
            } catch {
                throw Self.serviceError(error)
            }
        }
    }

    /// Several thumbnails, or a sprite sheet and its map, from one opened input.
    private static func thumbnailSet(
        path: String, request: ThumbnailRequest, times: [Double]?, interval: Double?, sprite: Bool, columns: Int?, context: JobContext
    ) throws(VideoError) -> JobResult {
        let chosen: [Double]
        if let times {
            chosen = times
        } else if let interval {
            chosen = try ThumbnailExtractor.times(path: path, interval: interval, limit: VideoProcessorDescriptor.maxThumbnails)
        } else {
            chosen = [request.timestamp]
        }
        let progress: (Double, String) -> Void = { fraction, stage in context.progress(fraction, stage: stage) }
        let isCancelled: () -> Bool = { context.isCancelled }
        if sprite {
            let sheet = try SpriteSheet.make(path: path, times: chosen, request: request, columns: columns, progress: progress, isCancelled: isCancelled)
            let image = JobOutputFile(name: SpriteSheet.imageName, contentType: request.format.contentType, bytes: sheet.image)
            let map = JobOutputFile(name: SpriteSheet.mapName, contentType: "text/vtt", bytes: Array(sheet.vtt.utf8))
            return .files([image, map], metadata: sheet.info)
        }
        let thumbnails: [Thumbnail] = try ThumbnailExtractor.thumbnails(path: path, times: chosen, request: request, progress: progress, isCancelled: isCancelled)
        var files: [JobOutputFile] = []
        var infos: [Thumbnail.Info] = []
        for (index, thumbnail) in thumbnails.enumerated() {
            files.append(JobOutputFile(name: "thumbnail-" + sequence(index), contentType: request.format.contentType, bytes: thumbnail.bytes))
            infos.append(thumbnail.info)
        }
        return .files(files, metadata: ThumbnailList(thumbnails: infos))
    }

    /// Runs file-writing work in a scratch directory (see ``JobScratch/run(_:context:_:)``).
    static func withScratch(_ job: Job, context: JobContext, _ body: @escaping @Sendable (String) throws -> WrittenFiles) async throws -> JobResult {
        try await JobScratch.run(job, context: context, body)
    }

    /// `timestamps` (or `thumbnailTimes`): comma-separated seconds, each ≥ 0, at most the limit.
    static func thumbnailTimes(_ parameters: JobParameters) throws(ServiceError) -> [Double]? {
        for name in ["timestamps", "thumbnailTimes"] {
            guard let text = try parameters.string(name) else { continue }
            let parts = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "[" || $0 == "]" })
            let times = parts.compactMap { Double($0) }
            guard times.count == parts.count, !times.isEmpty, times.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw .invalidParameter(name, "must be comma-separated seconds ≥ 0, e.g. \"1,2.5,10\", got \"\(text)\".")
            }
            guard times.count <= VideoProcessorDescriptor.maxThumbnails else {
                throw .invalidParameter(name, "has \(times.count) times; at most \(VideoProcessorDescriptor.maxThumbnails) per job.")
            }
            return times
        }
        return nil
    }

    /// `000`, `001`… for output names.
    static func sequence(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// Reads and range-checks the thumbnail parameters (400 on any problem).
    static func thumbnailRequest(_ parameters: JobParameters) throws(ServiceError) -> ThumbnailRequest {
        let formatName = try parameters.string("format") ?? "png"
        guard let format = ImageFormat(name: formatName) else {
            throw .invalidParameter("format", "must be png, jpeg or webp, got \"\(formatName)\".")
        }
        do {
            return try ThumbnailRequest(
                timestamp: try parameters.double("timestamp") ?? 0,
                width: try parameters.int("width") ?? 0,
                height: try parameters.int("height") ?? 0,
                format: format,
                quality: try parameters.int("quality") ?? 90,
                autorotate: autorotate(parameters)
            )
        } catch let error as VideoError {
            throw serviceError(error)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .internalError("Unexpected error reading parameters.", cause: error)
        }
    }

    /// `autorotate`: whether pictures are turned upright by the display matrix (default true).
    static func autorotate(_ parameters: JobParameters) -> Bool {
        parameters.values["autorotate"].flatMap(ParameterSpec.boolean) ?? true
    }

    /// Maps a video error onto the service's error with its HTTP status.
    static func serviceError(_ error: VideoError) -> ServiceError { error.serviceError }
}
