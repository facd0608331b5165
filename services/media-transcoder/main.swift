import Foundation
import MediaTranscoding
import ServiceKit

// The media-transcoder container image: its operations over HTTP on $PORT (see its descriptor).
FFmpegLog.setLevel(ProcessInfo.processInfo.environment["FFMPEG_LOG"] == "warning" ? .warning : .quiet)
await ContainerService.main(MediaJobHandler())
