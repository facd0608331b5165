import CAVFormat
import Foundation

/// The first pass of `normalize`: the input's audio decoded through libavfilter's `ebur128`
/// (EBU R128, true peak on), read from the metadata it attaches to the frames.
enum LoudnessMeter {
    /// What EBU R128 measured.
    struct Loudness: Sendable, Codable, Equatable {
        /// Integrated loudness, LUFS.
        var integrated: Double
        /// True peak, dBTP.
        var truePeak: Double
        /// Loudness range, LU.
        var range: Double
        /// The relative gate of the integrated measure (integrated − 10 LU), LUFS.
        var threshold: Double { integrated - 10 }
    }

    /// Measures the audio of `path`; progress runs 0…1 over the input's duration.
    static func measure(path: String, progress: (Double) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws(MediaError) -> Loudness {
        let input = try MediaInput.open(path: path)
        guard let audio = try AudioSource.open(input: input, required: true) else { throw MediaError(.noAudioStream, "The input has no audio stream.") }
        let graph = try FilterGraph.make(video: false, sourceArguments: audio.bufferArguments, description: "ebur128=peak=true:metadata=1")
        let duration = input.duration ?? 0
        let packet = try Packet()
        let decoded = try Frame()
        let filtered = try Frame()
        var integrated: Double?
        var range = 0.0
        var peak = 0.0
        var frames = 0
        var lastError: FFmpegError?

        func value(_ key: String) -> Double? {
            guard let entry = av_dict_get(filtered.pointer.pointee.metadata, key, nil, 0), let text = entry.pointee.value else { return nil }
            return Double(String(cString: text))
        }
        func drain() throws(MediaError) {
            while true {
                let status = graph.pull(into: filtered)
                if status == outpost_averror_eagain() || status == outpost_averror_eof() { return }
                guard status >= 0 else { throw MediaError(.encodeFailed, "Measuring loudness failed (\(FFmpegError("av_buffersink_get_frame", code: status).message)).") }
                defer { av_frame_unref(filtered.pointer) }
                if let value = value("lavfi.r128.I") { integrated = value }
                if let value = value("lavfi.r128.LRA") { range = value }
                if let value = value("lavfi.r128.true_peak") { peak = max(peak, value) }
            }
        }
        func decode(_ packet: Packet?) throws(MediaError) {
            let sent = avcodec_send_packet(audio.decoder.context, packet?.pointer)
            if sent < 0 && sent != outpost_averror_eagain() && sent != outpost_averror_eof() { lastError = FFmpegError("avcodec_send_packet", code: sent) }
            while true {
                let received = avcodec_receive_frame(audio.decoder.context, decoded.pointer)
                if received == outpost_averror_eagain() || received == outpost_averror_eof() { break }
                if received < 0 {
                    lastError = FFmpegError("avcodec_receive_frame", code: received)
                    break
                }
                frames += 1
                let best = decoded.pointer.pointee.best_effort_timestamp
                if best != outpost_av_nopts_value() {
                    decoded.pointer.pointee.pts = best - audio.startOffset
                    if duration > 0 { progress(min(1, Double(best - audio.startOffset) * av_q2d(audio.timeBase) / duration)) }
                }
                try graph.push(decoded)
                try drain()
            }
        }

        while true {
            if isCancelled() { throw MediaError(.cancelled, "The job was cancelled while measuring loudness.") }
            let status = av_read_frame(input.context, packet.pointer)
            if status < 0 { break }
            defer { av_packet_unref(packet.pointer) }
            if packet.pointer.pointee.stream_index == audio.index { try decode(packet) }
        }
        try decode(nil)
        try graph.push(nil)
        try drain()
        guard frames > 0 else {
            throw MediaError(.decodeFailed, "No audio could be decoded\(lastError.map { " (\($0.message))" } ?? ""); the input is probably corrupt or truncated.", cause: lastError)
        }
        guard let integrated, integrated.isFinite, integrated > -70 else {
            throw MediaError(.unreadableInput, "The audio is silent or too short to measure (EBU R128 needs at least 0.4 s above −70 LUFS).")
        }
        return Loudness(integrated: integrated, truePeak: peak > 0 ? 20 * log10(peak) : -99, range: range)
    }
}
