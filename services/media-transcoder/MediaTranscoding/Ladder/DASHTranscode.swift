import CAVFormat
import Foundation

/// `dash`: the same ladder (``LadderPipeline``) into one DASH muxer: an MPD with CMAF (fragmented
/// MP4) init and media segments, video and audio in separate adaptation sets. The muxer also
/// writes HLS playlists over the same fMP4 segments (`master.m3u8`, `media_N.m3u8`), so one set of
/// segments serves both. A JPEG poster as in `hls-transcode`. While it runs, segments are handed
/// over as they are cut (see ``DASHPartialScan``); the MPD and playlists at the end are the final ones.
public enum DASHTranscode {
    /// Output names (R2 keys add the extension of the content type).
    public static let manifestName = "manifest"
    public static let masterName = "master"
    public static let posterName = "poster"

    /// Media types of the outputs, as the descriptor declares them.
    public enum ContentType {
        public static let manifest = "application/dash+xml"
        public static let segment = "video/iso.segment"
        public static let playlist = "application/vnd.apple.mpegurl"
        public static let poster = "image/jpeg"
    }

    /// What `dash` wrote (the job's `result`).
    public struct Summary: Sendable, Codable, Equatable {
        public struct Representation: Sendable, Codable, Equatable {
            public var quality: String
            public var width: Int
            public var height: Int
            public var targetBitRate: Int64
        }

        public var streamName: String
        public var manifest: String
        public var hlsMaster: String
        public var poster: String
        public var segmentSeconds: Double
        public var gopFrames: Int
        public var frameRate: Double
        public var duration: Double
        public var representations: [Representation]
        public var audio: Bool
        public var segments: Int
    }

    /// Transcodes `inputPath` into `directory` (which must exist and be empty). `partial`, if
    /// given, is called as segments are cut (at most every `partialInterval`) with the new
    /// segments, the HLS media playlists and the MPD as they read now (``DASHPartialScan``).
    public static func run(
        inputPath: String, request: HLSRequest, streamName: String, directory: String,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: () -> Bool = { false },
        partial: ((HLSTranscode.Partial) -> Void)? = nil, partialInterval: Duration = .milliseconds(250)
    ) throws(MediaError) -> (summary: Summary, files: [OutputFile]) {
        progress(0, "opening")
        let manifestPath = directory + "/\(manifestName).mpd"
        let output = try MediaOutput.create(format: "dash", path: manifestPath)
        var hasAudio = false
        // One adaptation set for the video needs one aspect ratio; failing that, one set per picture.
        var shared = true
        let pipeline = try LadderPipeline(
            inputPath: inputPath, request: request,
            sizing: { sizes in
                if let same = Rendition.sameAspect(sizes) { return same }
                shared = false
                return sizes
            },
            videoOutput: { (_, _) throws(MediaError) -> MediaOutput in output },
            audioOutput: { () throws(MediaError) -> MediaOutput in output },
            begin: { (output) throws(MediaError) in
                let streams = (0..<Int(output.context.pointee.nb_streams)).map { output.context.pointee.streams[$0]!.pointee.codecpar.pointee.codec_type }
                hasAudio = streams.contains(AVMEDIA_TYPE_AUDIO)
                var sets = shared ? ["id=0,streams=v"] : streams.indices.filter { streams[$0] == AVMEDIA_TYPE_VIDEO }.enumerated().map { "id=\($0.offset),streams=\($0.element)" }
                if hasAudio { sets.append("id=\(sets.count),streams=a") }
                try output.begin(path: manifestPath, options: [
                    "seg_duration": String(request.segmentSeconds), "use_template": "1", "use_timeline": "1", "dash_segment_type": "mp4",
                    "adaptation_sets": sets.joined(separator: " "),
                    "init_seg_name": "init-$RepresentationID$.m4s", "media_seg_name": "chunk-$RepresentationID$-$Number%05d$.m4s",
                    "hls_playlist": "1", "hls_master_name": "\(masterName).m3u8",
                ])
            }
        )
        var scan = DASHPartialScan(directory: directory)
        var lastScan = ContinuousClock.now
        try pipeline.run(progress: { fraction, stage in
            progress(fraction, stage)
            guard let partial, ContinuousClock.now - lastScan >= partialInterval else { return }
            lastScan = ContinuousClock.now
            if let found = scan.next() { partial(found) }
        }, isCancelled: isCancelled)

        progress(0.98, "poster")
        let largest = pipeline.sizes[pipeline.sizes.count - 1]
        let posterBytes = try FrameEncoder.encode(pipeline.poster, width: largest.width, height: largest.height, format: .jpeg, quality: 85)
        let posterPath = directory + "/\(posterName).jpg"
        guard FileManager.default.createFile(atPath: posterPath, contents: Data(posterBytes)) else {
            throw MediaError(.internalError, "The poster could not be written.")
        }

        // Every file the muxer wrote, the manifest first.
        let written = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var files: [OutputFile] = [OutputFile(name: manifestName, contentType: ContentType.manifest, path: manifestPath)]
        var segments = 0
        for name in written {
            let path = directory + "/" + name
            if name.hasSuffix(".m4s") {
                files.append(OutputFile(name: String(name.dropLast(4)), contentType: ContentType.segment, path: path))
                segments += 1
            } else if name.hasSuffix(".m3u8") {
                files.append(OutputFile(name: String(name.dropLast(5)), contentType: ContentType.playlist, path: path))
            }
        }
        files.append(OutputFile(name: posterName, contentType: ContentType.poster, path: posterPath))
        progress(1, "done")

        let representations = pipeline.plan.enumerated().map { index, rendition in
            Summary.Representation(quality: rendition.quality, width: pipeline.sizes[index].width, height: pipeline.sizes[index].height, targetBitRate: rendition.bitRate)
        }
        let summary = Summary(
            streamName: streamName, manifest: "\(manifestName).mpd", hlsMaster: "\(masterName).m3u8", poster: "\(posterName).jpg",
            segmentSeconds: request.segmentSeconds, gopFrames: Int(pipeline.gop), frameRate: av_q2d(pipeline.frameRate), duration: pipeline.decodedSeconds,
            representations: representations, audio: hasAudio, segments: segments
        )
        return (summary, files)
    }
}
