import ServiceKit
import VideoProcessing

// The video-processor service built with the benchmark (the same code as services/video-processor),
// so `outpost-bench video` measures a release-built service process beside the release-built library.
FFmpegLog.setLevel(.quiet)
await ContainerService.main(VideoJobHandler())
