import Foundation

/// `process`: transcodes the input to MP4, WebM or HLS in a scratch directory.
public enum ProcessOperation {
    /// Media types of the outputs, as the descriptor declares them.
    public enum ContentType {
        public static let mp4 = "video/mp4"
        public static let webm = "video/webm"
        public static let playlist = "application/vnd.apple.mpegurl"
        public static let segment = "video/mp2t"
    }

    /// The name of the HLS playlist output; its segments are `segment-000`, `segment-001`…
    public static let playlistName = "playlist"

    /// Transcodes `inputPath` into `directory` (which must exist), turned upright unless
    /// `request.autorotate` is off, with the watermark's mark if any.
    /// - Returns: what was encoded and the files: one video, or the playlist then its segments.
    public static func run(
        inputPath: String, request: TranscodeRequest, watermark: Watermark? = nil, directory: String,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: () -> Bool = { false }
    ) throws(VideoError) -> (summary: EncodeSummary, files: [OutputFile]) {
        var settings = settings(for: request, directory: directory)
        if let watermark, let video = settings.video {
            // The mark is drawn on the encoded picture, whose size comes from the input's.
            let source = try VideoSource(input: try MediaInput.open(path: inputPath))
            settings.video?.overlays.append(try watermark.filter(directory: directory, frameSize: video.outputSize(for: source)))
        }
        let summary = try Transcoder.run(inputPath: inputPath, settings: settings, progress: progress, isCancelled: isCancelled)
        switch request.format {
        case .mp4: return (summary, [OutputFile(name: "video", contentType: ContentType.mp4, path: settings.path)])
        case .webm: return (summary, [OutputFile(name: "video", contentType: ContentType.webm, path: settings.path)])
        case .hls:
            let segments = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("segment-") && $0.hasSuffix(".ts") }.sorted()
            return (summary, [OutputFile(name: playlistName, contentType: ContentType.playlist, path: settings.path)]
                + segments.map { OutputFile(name: String($0.dropLast(3)), contentType: ContentType.segment, path: directory + "/" + $0) })
        }
    }

    static func settings(for request: TranscodeRequest, directory: String, overlays: [String] = []) -> EncodeSettings {
        let quality = request.quality
        let size: @Sendable (Int, Int) -> (width: Int, height: Int) = { request.outputSize(width: $0, height: $1) }
        switch request.format {
        case .mp4, .hls:
            var options = ["preset": quality.x264Preset]
            if request.videoBitRate == nil { options["crf"] = String(quality.x264CRF) }
            let video = EncodeSettings.Video(
                encoder: "libx264", options: options, bitRate: request.videoBitRate, frameRate: request.frameRate,
                keyframeSeconds: request.format == .hls ? request.segmentSeconds : nil, size: size, overlays: overlays,
                autorotate: request.autorotate
            )
            let audio = EncodeSettings.Audio(encoder: "aac", bitRate: quality.audioBitRate)
            if request.format == .mp4 {
                return EncodeSettings(muxer: "mp4", path: directory + "/video.mp4", muxerOptions: ["movflags": "+faststart"], video: video, audio: audio)
            }
            return EncodeSettings(
                muxer: "hls", path: directory + "/\(playlistName).m3u8",
                muxerOptions: [
                    "hls_time": String(request.segmentSeconds), "hls_playlist_type": "vod", "hls_list_size": "0",
                    "hls_segment_type": "mpegts", "hls_segment_filename": directory + "/segment-%03d.ts",
                ],
                video: video, audio: audio
            )
        case .webm:
            var options = ["deadline": "good", "cpu-used": String(quality.vp9CPUUsed), "row-mt": "1"]
            if request.videoBitRate == nil { options["crf"] = String(quality.vp9CRF) }
            let video = EncodeSettings.Video(
                encoder: "libvpx-vp9", options: options, bitRate: request.videoBitRate ?? 0, frameRate: request.frameRate, size: size, overlays: overlays,
                autorotate: request.autorotate
            )
            return EncodeSettings(muxer: "webm", path: directory + "/video.webm", video: video,
                                  audio: EncodeSettings.Audio(encoder: "libopus", bitRate: quality.audioBitRate))
        }
    }
}
