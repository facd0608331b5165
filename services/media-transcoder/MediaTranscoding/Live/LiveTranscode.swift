import Foundation

/// `live-stream`: a publisher's continuous stream (MPEG-TS or fMP4, from a ``LiveIngest``)
/// through the same ladder as `hls-transcode` (``HLSTranscode`` over ``LadderPipeline``: one
/// decode split to every rendition, aligned closed GOPs, an HLS muxer per rendition and one for
/// the audio). While it runs, each segment is handed over as soon as its muxer closes it, with
/// the live playlists (``LivePlaylist``: the last ``LiveRequest/window`` segments, media
/// sequence moving) and the master. When the ingest ends (the publisher's body ends, or it
/// stalls past `stallSeconds`) the muxers finish and the final playlists list every segment as
/// VOD with `#EXT-X-ENDLIST`: the recording stays as a stream.
public enum LiveTranscode {
    /// What a live stream made (the job's `result`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The recording, as `hls-transcode` describes its stream.
        public var stream: HLSSummary
        /// Why the ingest ended.
        public var ending: LiveIngest.Ending
        /// Bytes the publisher sent.
        public var bytesReceived: Int64
        /// Segments a live playlist listed.
        public var window: Int
        public var stallSeconds: Double
    }

    /// How often the muxers' playlists are looked at for new segments.
    static let scanInterval: Duration = .milliseconds(100)

    /// Transcodes the ingest into `directory` until it ends. `partial`, if given, gets each new
    /// segment and the live playlists as they change.
    public static func run(
        ingest: LiveIngest, request: LiveRequest, streamName: String, directory: String,
        progress: (Double, String) -> Void = { _, _ in }, isCancelled: @escaping () -> Bool = { false },
        partial: ((HLSTranscode.Partial) -> Void)? = nil
    ) throws(MediaError) -> (summary: Summary, files: [OutputFile]) {
        progress(0, "waiting for the publisher")
        let input: MediaInput
        do {
            input = try LiveInput.open(ingest, isCancelled: isCancelled)
        } catch {
            switch ingest.ending {
            case .noPublisher?: throw MediaError(.unreadableInput, "No publisher sent a byte within \(Int(request.waitSeconds)) s of the stream's start.")
            case .cancelled?: throw MediaError(.cancelled, "The live stream was cancelled before it started.")
            default: throw MediaError(.unreadableInput, "The ingest is not a stream FFmpeg can read (MPEG-TS or fMP4 expected): \(error.message)", cause: error.cause)
            }
        }
        let live = partial.map { publish in
            { (found: HLSTranscode.Partial) in
                var windowed = found
                windowed.playlists = found.playlists.map { entry in
                    entry.name == HLSTranscode.masterName ? entry : (entry.name, LivePlaylist(muxerText: entry.text).window(LiveRequest.window))
                }
                publish(windowed)
            }
        }
        let written = try HLSTranscode.run(input: input, request: request.hls, streamName: streamName, directory: directory,
                                           progress: { fraction, stage in stage == "transcoding" ? progress(0.5, "live") : progress(fraction, stage) }, isCancelled: isCancelled,
                                           partial: live, partialInterval: scanInterval)
        if ingest.ending == .cancelled || isCancelled() { throw MediaError(.cancelled, "The live stream was cancelled.") }
        let summary = Summary(stream: written.summary, ending: ingest.ending ?? .publisherEnded, bytesReceived: ingest.bytesReceived,
                              window: LiveRequest.window, stallSeconds: request.stallSeconds)
        return (summary, written.files)
    }
}
