// The FFmpeg pipeline (services/shared/MediaPipeline), shared with video-processor: importing
// MediaTranscoding brings its public types (MediaError, FFmpegLog…) along.
@_exported public import MediaPipeline
