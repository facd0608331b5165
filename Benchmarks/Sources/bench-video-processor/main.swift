import Foundation
import ServiceKit
import VideoProcessing

// The video-processor service built with the benchmark (same code as Sources/video-processor), so
// `outpost-bench video` measures a release-built service process beside the release-built library.
FFmpegLog.setLevel(.quiet)
do {
    let configuration = try ServiceConfiguration.fromEnvironment(name: "video-processor", defaultConcurrency: 3)
    try await ContainerService(configuration: configuration, handler: VideoJobHandler()).run()
} catch {
    FileHandle.standardError.write(Data("bench-video-processor: \(error)\n".utf8))
    exit(1)
}
