import Foundation
import MediaTranscoding
import ServiceKit

// The media-transcoder container image: its operations over HTTP on $PORT (see its descriptor).
// Picture-sized blocks go back to the system when freed, so memory stays flat job after job.
HeapSettings.apply()
FFmpegLog.setLevel(ProcessInfo.processInfo.environment["FFMPEG_LOG"] == "warning" ? .warning : .quiet)
await ContainerService.main(MediaJobHandler())
