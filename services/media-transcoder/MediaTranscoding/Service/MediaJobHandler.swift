public import Hummingbird
public import ServiceKit
import Logging
import MediaTranscoderDescriptor

/// The media-transcoder's operations for ``ContainerService`` (see the descriptor for their
/// parameters).
public struct MediaJobHandler: JobHandler {
    /// The live streams running here, shared by their jobs and the ingest route.
    public let live = LiveIngestHub()

    /// Creates the handler.
    public init() {}

    public var descriptor: ServiceDescriptor? { MediaTranscoderDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        switch operation {
        case "hls-transcode", "dash":
            _ = try HLSRequest(parameters: parameters)
        case "audio-encode", "normalize", "denoise":
            _ = try AudioEncodeRequest(parameters: parameters)
        case "chapters":
            let request = try AudioEncodeRequest(parameters: parameters)
            guard ChapterMarking.formats.contains(request.format) else { throw .invalidParameter("format", "chapters are written in mp3 or aac (m4a).") }
            _ = try ChapterList(json: try parameters.string("chapters") ?? "")
        case "live-stream":
            _ = try LiveRequest(parameters: parameters)
        default:
            break
        }
    }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        if job.operation == "live-stream" { return try await liveStream(job, context: context) }
        guard let path = job.inputPath else { throw ServiceError.badRequest("The \(job.operation) operation needs an input.", code: "missing_input") }
        switch job.operation {
        case "hls-transcode":
            let request = try HLSRequest(parameters: job.parameters)
            let name = request.streamName ?? job.id
            return try await JobScratch.run(job, context: context) { directory in
                try HLSTranscode.run(inputPath: path, request: request, streamName: name, directory: directory, progress: context.progress,
                                     isCancelled: { context.isCancelled }, partial: context.publishesOutputs ? { publish($0, context: context) } : nil)
            }
        case "dash":
            let request = try HLSRequest(parameters: job.parameters)
            let name = request.streamName ?? job.id
            return try await JobScratch.run(job, context: context) { directory in
                try DASHTranscode.run(inputPath: path, request: request, streamName: name, directory: directory, progress: context.progress,
                                      isCancelled: { context.isCancelled }, partial: context.publishesOutputs ? { publish($0, context: context) } : nil)
            }
        case "audio-encode":
            let request = try AudioEncodeRequest(parameters: job.parameters, attachments: job.attachments)
            return try await JobScratch.run(job, context: context) { directory in
                try AudioEncode.run(inputPath: path, request: request, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        case "normalize":
            let normalize = Normalize(targetLUFS: try job.parameters.double("targetLUFS") ?? -16, truePeak: try job.parameters.double("truePeak") ?? -1.5,
                                      encode: try AudioEncodeRequest(parameters: job.parameters, attachments: job.attachments))
            return try await JobScratch.run(job, context: context) { directory in
                try normalize.run(inputPath: path, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        case "denoise":
            let denoise = Denoise(reduction: try job.parameters.double("reduction") ?? 12, noiseFloor: try job.parameters.double("noiseFloor") ?? -50,
                                  encode: try AudioEncodeRequest(parameters: job.parameters, attachments: job.attachments))
            return try await JobScratch.run(job, context: context) { directory in
                try denoise.run(inputPath: path, directory: directory, progress: context.progress, isCancelled: { context.isCancelled })
            }
        case "chapters":
            let request = try AudioEncodeRequest(parameters: job.parameters, attachments: job.attachments)
            let list = try ChapterList(json: try job.parameters.string("chapters") ?? "")
            return try await JobScratch.run(job, context: context) { directory in
                try ChapterMarking.run(inputPath: path, list: list, request: request, directory: directory, progress: context.progress,
                                       isCancelled: { context.isCancelled })
            }
        default:
            throw ServiceError.badRequest("Unknown operation \"\(job.operation)\".", code: "unknown_operation")
        }
    }

    /// `POST|PUT /live/{job}/ingest`: a publisher's stream into its running `live-stream` job.
    public func addRoutes(to router: Router<ServiceRequestContext>) {
        LiveIngestRoute(hub: live).add(to: router)
    }

    /// A `live-stream` job: runs as long as its ingest does (see ``LiveTranscode``).
    private func liveStream(_ job: Job, context: JobContext) async throws -> JobResult {
        let request = try LiveRequest(parameters: job.parameters)
        let name = request.hls.streamName ?? job.id
        let ingest = live.open(job: job.id, stallSeconds: request.stallSeconds, waitSeconds: request.waitSeconds)
        defer {
            // A publisher still connected to a job that failed is let go.
            ingest.finish(.cancelled)
            live.close(job: job.id)
        }
        return try await JobScratch.run(job, context: context) { directory in
            try LiveTranscode.run(ingest: ingest, request: request, streamName: name, directory: directory, progress: context.progress,
                                  isCancelled: { context.isCancelled }, partial: context.publishesOutputs ? { publish($0, context: context) } : nil)
        }
    }

    /// Hands what a running HLS or DASH transcode has cut so far to the platform, segments first
    /// and then the playlists (and the MPD) that list them. A failure here costs only the early start: the job
    /// still returns every output at the end.
    private func publish(_ partial: HLSTranscode.Partial, context: JobContext) {
        do {
            for segment in partial.segments {
                try context.publish(JobOutputFile(name: segment.name, contentType: segment.contentType, file: segment.path))
            }
            for (name, text) in partial.playlists {
                try context.publish(JobOutputFile(name: name, contentType: HLSTranscode.ContentType.playlist, bytes: Array(text.utf8)))
            }
            for (name, contentType, text) in partial.documents {
                try context.publish(JobOutputFile(name: name, contentType: contentType, bytes: Array(text.utf8)))
            }
        } catch {
            context.logger.warning("could not publish segments early", metadata: ["error": "\(error)"])
        }
    }
}
