public import Hummingbird
public import ServiceKit
import VideoProcessorDescriptor

/// The video-processor's operations for ``ContainerService``: `analyze` and `thumbnail`, plus
/// `GET /formats`.
///
/// Parameters of `thumbnail`: `timestamp` (seconds ≥ 0, default 0, at most the duration),
/// `width`/`height` (0…8192, default 0 = source size; one 0 keeps the aspect ratio),
/// `format` (`png` default, or `jpeg`), `quality` (JPEG, 1…100, default 90).
public struct VideoJobHandler: JobHandler {
    /// Creates the handler.
    public init() {}

    public var descriptor: ServiceDescriptor? { VideoProcessorDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        switch operation {
        case "thumbnail": _ = try Self.thumbnailRequest(parameters)
        case "process": _ = try TranscodeRequest(parameters: parameters)
        default: break
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
            let request = try Self.thumbnailRequest(job.parameters)
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
        case "process":
            let request = try TranscodeRequest(parameters: job.parameters)
            return try await Self.withScratch(job, context: context) { directory in
                try ProcessOperation.run(inputPath: path, request: request, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        default:
            throw ServiceError.badRequest("Unknown operation \"\(job.operation)\".", code: "unknown_operation")
        }
    }

    public func addRoutes(to router: Router<BasicRequestContext>) {
        let formats = SupportedFormats.current()
        router.get("/formats") { _, _ in
            try ServiceJSON.response(formats)
        }
    }

    /// What an operation that writes files hands back: its summary (the job's `result`) and files.
    typealias WrittenFiles = (summary: any Encodable & Sendable, files: [OutputFile])

    /// Runs file-writing work in a scratch directory on a job thread and returns its files, then
    /// removes the directory (on every path).
    static func withScratch(_ job: Job, context: JobContext, _ body: @escaping @Sendable (String) throws -> WrittenFiles) async throws -> JobResult {
        let scratch = try JobScratch(beside: job.inputPath ?? ".", jobId: job.id)
        defer { scratch.remove() }
        let written = try await context.runBlocking { () throws -> Written in
            let result: WrittenFiles
            do { result = try body(scratch.path) } catch let error as VideoError { throw Self.serviceError(error) }
            return Written(summary: result.summary, outputs: try JobScratch.outputs(result.files))
        }
        if written.outputs.count == 1, var file = written.outputs.first {
            file.metadata = written.summary
            return .file(file)
        }
        return .files(written.outputs, metadata: written.summary)
    }

    private struct Written: Sendable {
        var summary: any Encodable & Sendable
        var outputs: [JobOutputFile]
    }

    /// Reads and range-checks the thumbnail parameters (400 on any problem).
    static func thumbnailRequest(_ parameters: JobParameters) throws(ServiceError) -> ThumbnailRequest {
        let formatName = try parameters.string("format") ?? "png"
        guard let format = ImageFormat(name: formatName) else {
            throw .invalidParameter("format", "must be png or jpeg, got \"\(formatName)\".")
        }
        do {
            return try ThumbnailRequest(
                timestamp: try parameters.double("timestamp") ?? 0,
                width: try parameters.int("width") ?? 0,
                height: try parameters.int("height") ?? 0,
                format: format,
                quality: try parameters.int("quality") ?? 90
            )
        } catch let error as VideoError {
            throw serviceError(error)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .internalError("Unexpected error reading parameters.", cause: error)
        }
    }

    /// Maps a video error onto the service's error with its HTTP status.
    static func serviceError(_ error: VideoError) -> ServiceError {
        ServiceError(statusCode: error.httpStatus, code: error.code.rawValue, message: error.message, cause: error)
    }
}
