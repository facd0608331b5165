import Foundation
public import ServiceKit

/// `compress`: an H.264 + AAC mp4 aimed at a file size (two-pass average bit rate), or without a
/// target at a constant quality chosen by resolution.
///
/// A target is reachable when it leaves the video at least ``minVideoBitRate`` after the audio
/// (``audioBitRate``) and ~2 % of container overhead: `bytes ≥ duration × (50 + 64) kbit/s ÷ 8`.
/// Below that the job is a 400 (`invalid_parameter`) naming the smallest reachable size.
public struct CompressOperation: Sendable, Equatable {
    /// The least video bit rate a target may leave, in bits per second.
    public static let minVideoBitRate: Int64 = 50_000
    /// The audio bit rate of a compressed file.
    public static let audioBitRate: Int64 = 64_000
    /// The container's share of the file, roughly (mp4 index and headers).
    static let overhead = 0.02

    /// The target size in bytes; nil for quality by resolution.
    public var targetBytes: Int64?
    /// Whether a display-matrix rotation is applied to the pixels (see ``TranscodeRequest/autorotate``).
    public var autorotate = true

    /// Reads `targetSizeBytes` or `targetSizeMB` (10^6 bytes), and `autorotate`.
    public init(parameters: JobParameters) throws(ServiceError) {
        autorotate = parameters.values["autorotate"].flatMap(ParameterSpec.boolean) ?? true
        if let bytes = try parameters.int("targetSizeBytes") {
            targetBytes = Int64(bytes)
        } else if let megabytes = try parameters.double("targetSizeMB") {
            targetBytes = Int64(megabytes * 1_000_000)
        }
    }

    /// Without a target: CRF by output height (shorter side), preset medium.
    static func crf(forHeight height: Int) -> Int {
        switch height {
        case ..<481: 26
        case ..<721: 25
        case ..<1081: 24
        default: 23
        }
    }

    /// Compresses `inputPath` into `directory`.
    public func run(inputPath: String, directory: String, progress: (Double, String) -> Void = { _, _ in },
                    isCancelled: () -> Bool = { false }) throws(VideoError) -> (summary: EncodeSummary, files: [OutputFile]) {
        let path = directory + "/video.mp4"
        let size: @Sendable (Int, Int) -> (width: Int, height: Int) = { TranscodeRequest.fit(width: $0, height: $1, resolution: nil, maxShortSide: nil, upscale: false) }
        let audio = EncodeSettings.Audio(encoder: "aac", bitRate: Self.audioBitRate)
        guard let targetBytes else {
            let analysis = try MediaAnalyzer.analyze(path: inputPath)
            let short = min(analysis.video?.width ?? 720, analysis.video?.height ?? 720)
            let video = EncodeSettings.Video(encoder: "libx264", options: ["preset": "medium", "crf": String(Self.crf(forHeight: short))], size: size,
                                             autorotate: autorotate)
            let summary = try Transcoder.run(inputPath: inputPath, settings: EncodeSettings(muxer: "mp4", path: path, muxerOptions: ["movflags": "+faststart"], video: video, audio: audio),
                                             progress: progress, isCancelled: isCancelled)
            return (summary, [OutputFile(name: "video", contentType: ProcessOperation.ContentType.mp4, path: path)])
        }
        let analysis = try MediaAnalyzer.analyze(path: inputPath)
        guard analysis.video != nil else { throw VideoError(.noVideoStream, "The input has no video stream; compress needs video.") }
        guard let duration = analysis.format.duration, duration > 0 else {
            throw VideoError(.unreadableInput, "The input's duration is unknown, so a target size cannot be planned.")
        }
        let audioRate = analysis.audio == nil ? 0 : Self.audioBitRate
        let totalRate = Double(targetBytes) * 8 * (1 - Self.overhead) / duration
        let videoRate = Int64(totalRate) - audioRate
        guard videoRate >= Self.minVideoBitRate else {
            let floor = Int64((Double(Self.minVideoBitRate + audioRate) * duration / 8 / (1 - Self.overhead)).rounded(.up))
            throw VideoError(.invalidParameter, "targetSizeBytes \(targetBytes) is unreachable for this \(String(format: "%.1f", duration)) s video: the smallest target is \(floor) bytes (\(Self.minVideoBitRate / 1000) kbit/s of video plus the audio).")
        }
        let stats = directory + "/x264-stats.log"
        var first = EncodeSettings.Video(encoder: "libx264", options: ["preset": "medium", "stats": stats], bitRate: videoRate, size: size, autorotate: autorotate)
        first.pass = 1
        _ = try Transcoder.run(inputPath: inputPath, settings: EncodeSettings(muxer: "null", path: "/dev/null", video: first),
                               progress: { fraction, _ in progress(fraction * 0.45, "analysing (pass 1)") }, isCancelled: isCancelled)
        var second = first
        second.pass = 2
        let summary = try Transcoder.run(inputPath: inputPath, settings: EncodeSettings(muxer: "mp4", path: path, muxerOptions: ["movflags": "+faststart"], video: second, audio: audio),
                                         progress: { fraction, _ in progress(0.45 + fraction * 0.55, "encoding (pass 2)") }, isCancelled: isCancelled)
        return (summary, [OutputFile(name: "video", contentType: ProcessOperation.ContentType.mp4, path: path)])
    }
}
