import Foundation
import ServiceKit
import VideoProcessing

// The video-processor container image: analyze and thumbnail jobs over HTTP on $PORT.
// Up to 3 jobs decode at once (JOB_CONCURRENCY overrides); SIGTERM lets in-flight jobs finish.
FFmpegLog.setLevel(ProcessInfo.processInfo.environment["FFMPEG_LOG"] == "warning" ? .warning : .quiet)
do {
    let configuration = try ServiceConfiguration.fromEnvironment(name: "video-processor", defaultConcurrency: 3)
    try await ContainerService(configuration: configuration, handler: VideoJobHandler()).run()
} catch {
    FileHandle.standardError.write(Data("video-processor: \(error)\n".utf8))
    exit(1)
}
