// The FFmpeg pipeline lives in MediaPipeline (services/shared/), shared with media-transcoder;
// importing VideoProcessing brings its public types along, under their video-processor names too.
@_exported public import MediaPipeline

/// The video-processor's name for ``MediaError``.
public typealias VideoError = MediaError
