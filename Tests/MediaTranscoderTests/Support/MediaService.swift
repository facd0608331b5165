import OutpostTesting
import ServiceTesting
import MediaTranscoding

extension InProcessService {
    /// The media-transcoder's service in this process, 4 jobs at once.
    static func start() async throws -> InProcessService {
        try await start("media-transcoder", handler: MediaJobHandler(), concurrency: 4)
    }
}
