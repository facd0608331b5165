import CAVFormat
import Foundation

/// `hls-transcode`: the ladder (``LadderPipeline``: one decode split to every rendition) into an
/// HLS muxer per rendition (MPEG-TS segments, VOD playlists) and one for the AAC audio rendition;
/// then a master playlist declaring the segments' measured rates, and a JPEG poster.
public enum HLSTranscode {
    /// Output names (R2 keys add the extension of the content type).
    public static let masterName = "master"
    public static let posterName = "poster"
    public static let audioName = "audio"

    /// Media types of the outputs, as the descriptor declares them.
    public enum ContentType {
        public static let playlist = "application/vnd.apple.mpegurl"
        public static let segment = "video/mp2t"
        public static let poster = "image/jpeg"
    }

    /// Transcodes `inputPath` into `directory` (which must exist).
    public static func run(
        inputPath: String, request: HLSRequest, streamName: String, directory: String,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: () -> Bool = { false }
    ) throws(MediaError) -> (summary: HLSSummary, files: [OutputFile]) {
        progress(0, "opening")
        let muxerOptions = { (name: String) -> [String: String] in
            ["hls_time": String(request.segmentSeconds), "hls_playlist_type": "vod", "hls_list_size": "0", "hls_segment_type": "mpegts",
             "hls_flags": "independent_segments", "hls_segment_filename": directory + "/\(name)-%03d.ts"]
        }
        var names: [ObjectIdentifier: String] = [:]
        let pipeline = try LadderPipeline(
            inputPath: inputPath, request: request,
            videoOutput: { (_, rendition) throws(MediaError) -> MediaOutput in
                let output = try MediaOutput.create(format: "hls", path: directory + "/\(rendition.quality).m3u8")
                names[ObjectIdentifier(output)] = rendition.quality
                return output
            },
            audioOutput: { () throws(MediaError) -> MediaOutput in
                let output = try MediaOutput.create(format: "hls", path: directory + "/\(audioName).m3u8")
                names[ObjectIdentifier(output)] = audioName
                return output
            },
            begin: { (output) throws(MediaError) in
                let name = names[ObjectIdentifier(output)] ?? audioName
                try output.begin(path: directory + "/\(name).m3u8", options: muxerOptions(name))
            }
        )
        try pipeline.run(progress: progress, isCancelled: isCancelled)

        // The poster, at the largest rendition's size.
        progress(0.98, "poster")
        let largest = pipeline.sizes[pipeline.sizes.count - 1]
        let posterBytes = try FrameEncoder.encode(pipeline.poster, width: largest.width, height: largest.height, format: .jpeg, quality: 85)
        let posterPath = directory + "/\(posterName).jpg"
        guard FileManager.default.createFile(atPath: posterPath, contents: Data(posterBytes)) else {
            throw MediaError(.internalError, "The poster could not be written.")
        }

        // The master playlist, from what was written.
        var files: [OutputFile] = []
        var variants: [MasterPlaylist.Variant] = []
        var renditions: [HLSSummary.VideoRendition] = []
        let frameRate = av_q2d(pipeline.frameRate)
        for (index, rendition) in pipeline.plan.enumerated() {
            let playlistPath = directory + "/\(rendition.quality).m3u8"
            let media = try MediaPlaylist(path: playlistPath)
            let encoder = pipeline.encoders[index]
            let codecs = CodecString.h264(annexB: encoder.firstPacketPrefix)
            let width = Int(encoder.encoder.context.pointee.width), height = Int(encoder.encoder.context.pointee.height)
            variants.append(MasterPlaylist.Variant(playlist: "\(rendition.quality).m3u8", width: width, height: height, frameRate: frameRate,
                                                   codecs: codecs, peakBitRate: media.peakBitRate, averageBitRate: media.averageBitRate))
            renditions.append(HLSSummary.VideoRendition(quality: rendition.quality, width: width, height: height, targetBitRate: rendition.bitRate,
                                                        averageBitRate: media.averageBitRate, peakBitRate: media.peakBitRate, codecs: codecs,
                                                        playlist: "\(rendition.quality).m3u8", segments: media.segments.count))
            files.append(OutputFile(name: rendition.quality, contentType: ContentType.playlist, path: playlistPath))
            files += segmentFiles(media, directory: directory)
        }
        var audioSummary: HLSSummary.AudioRendition?
        var audioEntry: MasterPlaylist.Audio?
        if let audio = pipeline.audio {
            let audioPath = directory + "/\(audioName).m3u8"
            let media = try MediaPlaylist(path: audioPath)
            let context = audio.encoder.context.pointee
            audioEntry = MasterPlaylist.Audio(playlist: "\(audioName).m3u8", codecs: CodecString.aacLC, peakBitRate: media.peakBitRate, averageBitRate: media.averageBitRate)
            audioSummary = HLSSummary.AudioRendition(codec: "aac", bitRate: LadderPipeline.audioBitRate, sampleRate: Int(context.sample_rate),
                                                     channels: Int(context.ch_layout.nb_channels), playlist: "\(audioName).m3u8", segments: media.segments.count)
            files.append(OutputFile(name: audioName, contentType: ContentType.playlist, path: audioPath))
            files += segmentFiles(media, directory: directory)
        }
        let master = MasterPlaylist(variants: variants, audio: audioEntry, streamName: streamName)
        let masterPath = directory + "/\(masterName).m3u8"
        guard FileManager.default.createFile(atPath: masterPath, contents: Data(master.text.utf8)) else {
            throw MediaError(.internalError, "The master playlist could not be written.")
        }
        files.insert(OutputFile(name: masterName, contentType: ContentType.playlist, path: masterPath), at: 0)
        files.append(OutputFile(name: posterName, contentType: ContentType.poster, path: posterPath))
        progress(1, "done")

        let summary = HLSSummary(
            streamName: streamName, master: "\(masterName).m3u8", poster: "\(posterName).jpg", segmentSeconds: request.segmentSeconds,
            gopFrames: Int(pipeline.gop), frameRate: frameRate, duration: pipeline.decodedSeconds, renditions: renditions, audio: audioSummary
        )
        return (summary, files)
    }

    /// The segments of a media playlist as outputs named by their file names without `.ts`.
    private static func segmentFiles(_ playlist: MediaPlaylist, directory: String) -> [OutputFile] {
        playlist.segments.map { segment in
            let name = segment.name.hasSuffix(".ts") ? String(segment.name.dropLast(3)) : segment.name
            return OutputFile(name: name, contentType: ContentType.segment, path: directory + "/" + segment.name)
        }
    }
}
