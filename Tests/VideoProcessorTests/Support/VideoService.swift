import OutpostTesting
import ServiceTesting
import VideoProcessing

extension InProcessService {
    /// The video-processor's service in this process, 3 jobs at once (its container's default).
    static func start() async throws -> InProcessService {
        try await start("video-processor", handler: VideoJobHandler(), concurrency: 3)
    }
}

extension ServiceProcess {
    /// The real `video-processor` executable.
    convenience init() throws { try self.init(product: "video-processor") }
}
