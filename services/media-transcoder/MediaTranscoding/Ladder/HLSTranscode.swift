import CAVFormat
import Foundation

/// `hls-transcode`: the ladder (``LadderPipeline``: one decode split to every rendition) into an
/// HLS muxer per rendition (MPEG-TS segments, VOD playlists) and one for the AAC audio rendition;
/// then a master playlist declaring the segments' measured rates, and a JPEG poster.
///
/// While it runs, the muxers keep EVENT playlists of the segments cut so far (FFmpeg's hls muxer
/// writes a VOD playlist only at the end), so a caller that publishes early (`partial`) gets each
/// new segment as it is closed, the playlists so far, and a master once every rendition has a
/// segment: a player can start before the transcode ends. The final playlists say VOD.
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

    /// What a running transcode has written since the last report: segments the muxers closed,
    /// and the playlists as they read now (the master once every rendition has a segment).
    public struct Partial: Sendable {
        /// New complete segments.
        public var segments: [OutputFile] = []
        /// Playlists by output name (the media playlists, EVENT type; `master` once it can be written).
        public var playlists: [(name: String, text: String)] = []
        /// Other text outputs as they read now, published after the playlists (`dash`'s MPD).
        public var documents: [(name: String, contentType: String, text: String)] = []
    }

    /// Transcodes `inputPath` into `directory` (which must exist). `partial`, if given, is called
    /// as segments are cut (at most every `partialInterval`).
    public static func run(
        inputPath: String, request: HLSRequest, streamName: String, directory: String,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: () -> Bool = { false },
        partial: ((Partial) -> Void)? = nil, partialInterval: Duration = .milliseconds(250)
    ) throws(MediaError) -> (summary: HLSSummary, files: [OutputFile]) {
        progress(0, "opening")
        return try run(input: MediaInput.open(path: inputPath), request: request, streamName: streamName, directory: directory, progress: progress,
                       isCancelled: isCancelled, partial: partial, partialInterval: partialInterval)
    }

    /// The same over an input already open (``LiveTranscode``'s ingest).
    static func run(
        input: MediaInput, request: HLSRequest, streamName: String, directory: String,
        progress: (Double, String) -> Void, isCancelled: () -> Bool,
        partial: ((Partial) -> Void)?, partialInterval: Duration
    ) throws(MediaError) -> (summary: HLSSummary, files: [OutputFile]) {
        let muxerOptions = { (name: String) -> [String: String] in
            ["hls_time": String(request.segmentSeconds), "hls_playlist_type": "event", "hls_list_size": "0", "hls_segment_type": "mpegts",
             "hls_flags": "independent_segments", "hls_segment_filename": directory + "/\(name)-%03d.ts"]
        }
        var names: [ObjectIdentifier: String] = [:]
        let pipeline = try LadderPipeline(
            input: input, request: request,
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
        var scan = PartialScan(directory: directory, names: pipeline.plan.map(\.quality) + (pipeline.audio == nil ? [] : [audioName]))
        var lastScan = ContinuousClock.now
        try pipeline.run(progress: { fraction, stage in
            progress(fraction, stage)
            guard let partial, ContinuousClock.now - lastScan >= partialInterval else { return }
            lastScan = ContinuousClock.now
            if let found = scan.next(master: { try? master(pipeline, directory: directory, streamName: streamName).playlist.text }) { partial(found) }
        }, isCancelled: isCancelled)
        // The muxers wrote EVENT playlists (so they could be read while running); finished, they are VOD.
        for name in scan.names { try PartialScan.markVOD(directory + "/\(name).m3u8") }

        // The poster, at the largest rendition's size.
        progress(0.98, "poster")
        let largest = pipeline.sizes[pipeline.sizes.count - 1]
        let posterBytes = try FrameEncoder.encode(pipeline.poster, width: largest.width, height: largest.height, format: .jpeg, quality: 85)
        let posterPath = directory + "/\(posterName).jpg"
        guard FileManager.default.createFile(atPath: posterPath, contents: Data(posterBytes)) else {
            throw MediaError(.internalError, "The poster could not be written.")
        }

        // The master playlist, from what was written.
        let written = try master(pipeline, directory: directory, streamName: streamName)
        var files: [OutputFile] = []
        for (index, rendition) in pipeline.plan.enumerated() {
            let playlistPath = directory + "/\(rendition.quality).m3u8"
            files.append(OutputFile(name: rendition.quality, contentType: ContentType.playlist, path: playlistPath))
            files += segmentFiles(written.media[index], directory: directory)
        }
        if pipeline.audio != nil, let media = written.media.last {
            files.append(OutputFile(name: audioName, contentType: ContentType.playlist, path: directory + "/\(audioName).m3u8"))
            files += segmentFiles(media, directory: directory)
        }
        let masterPath = directory + "/\(masterName).m3u8"
        guard FileManager.default.createFile(atPath: masterPath, contents: Data(written.playlist.text.utf8)) else {
            throw MediaError(.internalError, "The master playlist could not be written.")
        }
        files.insert(OutputFile(name: masterName, contentType: ContentType.playlist, path: masterPath), at: 0)
        files.append(OutputFile(name: posterName, contentType: ContentType.poster, path: posterPath))
        progress(1, "done")

        let summary = HLSSummary(
            streamName: streamName, master: "\(masterName).m3u8", poster: "\(posterName).jpg", segmentSeconds: request.segmentSeconds,
            gopFrames: Int(pipeline.gop), frameRate: av_q2d(pipeline.frameRate), duration: pipeline.decodedSeconds,
            renditions: written.renditions, audio: written.audio
        )
        return (summary, files)
    }

    /// The master playlist from the media playlists as written so far, with what the summary
    /// says of each rendition; `media` holds the video renditions' playlists in plan order, then
    /// the audio's. Throws until every rendition has a segment.
    private static func master(_ pipeline: LadderPipeline, directory: String, streamName: String) throws(MediaError)
        -> (playlist: MasterPlaylist, media: [MediaPlaylist], renditions: [HLSSummary.VideoRendition], audio: HLSSummary.AudioRendition?) {
        var media: [MediaPlaylist] = []
        var variants: [MasterPlaylist.Variant] = []
        var renditions: [HLSSummary.VideoRendition] = []
        let frameRate = av_q2d(pipeline.frameRate)
        for (index, rendition) in pipeline.plan.enumerated() {
            let playlist = try MediaPlaylist(path: directory + "/\(rendition.quality).m3u8")
            guard !playlist.segments.isEmpty else { throw MediaError(.internalError, "The \(rendition.quality) rendition has no segment.") }
            media.append(playlist)
            let encoder = pipeline.encoders[index]
            let codecs = CodecString.h264(annexB: encoder.firstPacketPrefix)
            let width = Int(encoder.encoder.context.pointee.width), height = Int(encoder.encoder.context.pointee.height)
            variants.append(MasterPlaylist.Variant(playlist: "\(rendition.quality).m3u8", width: width, height: height, frameRate: frameRate,
                                                   codecs: codecs, peakBitRate: playlist.peakBitRate, averageBitRate: playlist.averageBitRate))
            renditions.append(HLSSummary.VideoRendition(quality: rendition.quality, width: width, height: height, targetBitRate: rendition.bitRate,
                                                        averageBitRate: playlist.averageBitRate, peakBitRate: playlist.peakBitRate, codecs: codecs,
                                                        playlist: "\(rendition.quality).m3u8", segments: playlist.segments.count))
        }
        var audioSummary: HLSSummary.AudioRendition?
        var audioEntry: MasterPlaylist.Audio?
        if let audio = pipeline.audio {
            let playlist = try MediaPlaylist(path: directory + "/\(audioName).m3u8")
            guard !playlist.segments.isEmpty else { throw MediaError(.internalError, "The audio rendition has no segment.") }
            media.append(playlist)
            let context = audio.encoder.context.pointee
            audioEntry = MasterPlaylist.Audio(playlist: "\(audioName).m3u8", codecs: CodecString.aacLC, peakBitRate: playlist.peakBitRate, averageBitRate: playlist.averageBitRate)
            audioSummary = HLSSummary.AudioRendition(codec: "aac", bitRate: LadderPipeline.audioBitRate, sampleRate: Int(context.sample_rate),
                                                     channels: Int(context.ch_layout.nb_channels), playlist: "\(audioName).m3u8", segments: playlist.segments.count)
        }
        return (MasterPlaylist(variants: variants, audio: audioEntry, streamName: streamName), media, renditions, audioSummary)
    }

    /// The segments of a media playlist as outputs named by their file names without `.ts`.
    private static func segmentFiles(_ playlist: MediaPlaylist, directory: String) -> [OutputFile] {
        playlist.segments.map { segment in
            let name = segment.name.hasSuffix(".ts") ? String(segment.name.dropLast(3)) : segment.name
            return OutputFile(name: name, contentType: ContentType.segment, path: directory + "/" + segment.name)
        }
    }
}
