import Foundation
import ServiceKit
import VideoProcessing

// The video-processor container image: its operations over HTTP on $PORT (see its descriptor).
FFmpegLog.setLevel(ProcessInfo.processInfo.environment["FFMPEG_LOG"] == "warning" ? .warning : .quiet)
await ContainerService.main(VideoJobHandler())
