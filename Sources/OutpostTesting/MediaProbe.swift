import Foundation

/// Independent readers of media files (ffprobe, ffmpeg's psnr and null muxer) and a maker of test
/// media from lavfi sources, so tests never trust the service's own account of its outputs.
public enum MediaProbe {
    public struct Stream {
        public var codec: String
        public var type: String
        public var width: Int?
        public var height: Int?
        public var frameRate: Double?
        public var sampleRate: Int?
        public var channels: Int?
        public var bitRate: Int?
    }

    public struct Report {
        public var duration: Double
        public var size: Int
        public var streams: [Stream]
        public var video: Stream? { streams.first { $0.type == "video" } }
        public var audio: Stream? { streams.first { $0.type == "audio" } }
    }

    /// `ffprobe -show_format -show_streams` of `path`.
    public static func probe(_ path: String) throws -> Report {
        let output = try run("/usr/bin/ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", path])
        guard let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let format = json["format"] as? [String: Any] else { throw TestFailure("ffprobe gave no format for \(path)") }
        let streams = (json["streams"] as? [[String: Any]] ?? []).map { s in
            Stream(
                codec: s["codec_name"] as? String ?? "", type: s["codec_type"] as? String ?? "",
                width: s["width"] as? Int, height: s["height"] as? Int,
                frameRate: (s["avg_frame_rate"] as? String).flatMap(rational) ?? (s["r_frame_rate"] as? String).flatMap(rational),
                sampleRate: (s["sample_rate"] as? String).flatMap { Int($0) }, channels: s["channels"] as? Int,
                bitRate: (s["bit_rate"] as? String).flatMap { Int($0) }
            )
        }
        return Report(duration: Double(format["duration"] as? String ?? "") ?? 0, size: Int(format["size"] as? String ?? "") ?? 0, streams: streams)
    }

    /// Decodes every frame with the ffmpeg CLI (`-f null`); throws if ffmpeg reports an error.
    public static func decodesWhole(_ path: String) throws -> String {
        try FFmpegCLI.run(["-v", "error", "-xerror", "-i", path, "-f", "null", "-"])
    }

    /// The average luma+chroma PSNR (dB) of `encoded` against `reference` scaled to its size.
    public static func psnr(_ encoded: String, reference: String, width: Int, height: Int) throws -> Double {
        let report = try FFmpegCLI.run([
            "-i", encoded, "-i", reference, "-lavfi",
            "[0:v]format=yuv420p,setpts=PTS-STARTPTS[a];[1:v]scale=\(width):\(height):flags=bicubic,format=yuv420p,setpts=PTS-STARTPTS[b];[a][b]psnr",
            "-f", "null", "-",
        ])
        guard let range = report.range(of: #"average:([0-9.]+|inf)"#, options: .regularExpression) else {
            throw TestFailure("no PSNR in ffmpeg output: \(report.suffix(500))")
        }
        let value = report[range].dropFirst("average:".count)
        return value == "inf" ? .infinity : Double(value) ?? 0
    }

    /// Makes an H.264 (near-lossless) + AAC mp4 of moving test pictures and a tone.
    public static func makeVideo(_ path: String, seconds: Double = 3, size: String = "640x360", rate: Int = 25, audio: Bool = true) throws {
        var arguments = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds)"]
        if audio { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)"] }
        arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "6", "-pix_fmt", "yuv420p"]
        if audio { arguments += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"] }
        try FFmpegCLI.run(arguments + [path])
    }

    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        try ChildProcess.output(of: executable, arguments)
    }

    private static func rational(_ text: String) -> Double? {
        let parts = text.split(separator: "/").compactMap { Double($0) }
        guard parts.count == 2, parts[1] != 0 else { return nil }
        return parts[0] / parts[1]
    }
}

extension MediaProbe {
    /// One video packet as ffprobe reads it: time and duration in seconds, size, keyframe flag.
    public struct PacketInfo {
        public var time: Double
        public var duration: Double
        public var size: Int
        public var isKey: Bool
    }

    /// The video packets of `path` (a file or a playlist), in decode order.
    public static func videoPackets(_ path: String, stream: String = "v:0") throws -> [PacketInfo] {
        let output = try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time,size,flags", "-of", "json", path])
        guard let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], let packets = json["packets"] as? [[String: Any]] else {
            throw TestFailure("ffprobe gave no packets for \(path)")
        }
        return packets.map { p in
            PacketInfo(time: Double(p["pts_time"] as? String ?? "") ?? 0, duration: Double(p["duration_time"] as? String ?? "") ?? 0,
                       size: Int(p["size"] as? String ?? "") ?? 0, isKey: (p["flags"] as? String ?? "").hasPrefix("K"))
        }.sorted { $0.time < $1.time }
    }

    /// The segments a media playlist lists.
    public static func segmentCount(_ playlist: String) throws -> Int {
        try String(contentsOfFile: playlist, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("#EXTINF:") }.count
    }

    /// Seconds ffmpeg decodes from `path` (the `time=` of its last progress line, `-f null`).
    public static func decodedDuration(_ path: String) throws -> Double {
        let report = try FFmpegCLI.run(["-v", "error", "-stats", "-xerror", "-i", path, "-f", "null", "-"])
        let pieces = report.components(separatedBy: "time=")
        guard pieces.count > 1, let last = pieces.last else { throw TestFailure("no time= in ffmpeg output: \(report.suffix(300))") }
        let parts = last.prefix { $0.isNumber || $0 == ":" || $0 == "." }.split(separator: ":").compactMap { Double($0) }
        return parts.reduce(0) { $0 * 60 + $1 }
    }

    /// A noisy moving picture (hard to compress, so bit rate targets are reached) and a tone.
    public static func makeDetailedVideo(_ path: String, seconds: Double, size: String, rate: Int, audio: Bool = true) throws {
        var arguments = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds),noise=alls=30:allf=t"]
        if audio { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)"] }
        arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p"]
        if audio { arguments += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"] }
        try FFmpegCLI.run(arguments + [path])
    }
}

extension MediaProbe {
    /// The container's tags (ffprobe `format.tags`, plus the first stream's, where Ogg keeps them), keys lowercased.
    public static func tags(_ path: String) throws -> [String: String] {
        let output = try run("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", path])
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        var tags = (json?["format"] as? [String: Any])?["tags"] as? [String: String] ?? [:]
        let streamTags = ((json?["streams"] as? [[String: Any]])?.first?["tags"] as? [String: String]) ?? [:]
        tags.merge(streamTags) { format, _ in format }
        return Dictionary(tags.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
    }

    /// `ffprobe -show_chapters`: each chapter's start, end (seconds) and title.
    public static func chapters(_ path: String) throws -> [(start: Double, end: Double, title: String)] {
        let output = try run("/usr/bin/ffprobe", ["-v", "error", "-show_chapters", "-of", "json", path])
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return (json?["chapters"] as? [[String: Any]] ?? []).map { c in
            (Double(c["start_time"] as? String ?? "") ?? -1, Double(c["end_time"] as? String ?? "") ?? -1, (c["tags"] as? [String: String])?["title"] ?? "")
        }
    }

    /// Integrated loudness (LUFS) and true peak (dBTP) by `ffmpeg -af ebur128=peak=true`.
    public static func loudness(_ path: String) throws -> (integrated: Double, truePeak: Double) {
        let report = try FFmpegCLI.run(["-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"])
        guard let summary = report.range(of: "Summary:") else { throw TestFailure("no ebur128 summary: \(report.suffix(400))") }
        let text = report[summary.upperBound...]
        func number(after label: String) -> Double? {
            guard let range = text.range(of: label + #"\s+-?[0-9.]+"#, options: .regularExpression) else { return nil }
            return Double(text[range].dropFirst(label.count).trimmingCharacters(in: .whitespaces))
        }
        guard let integrated = number(after: "I:"), let peak = number(after: "Peak:") else { throw TestFailure("unreadable ebur128 summary: \(text)") }
        return (integrated, peak)
    }
}

extension MediaProbe {
    /// The RMS level (dBFS, all channels) of `seconds` of `path` from `from`, by ffmpeg's astats.
    public static func rmsLevel(_ path: String, from: Double, seconds: Double) throws -> Double {
        let report = try FFmpegCLI.run(["-ss", String(from), "-t", String(seconds), "-i", path,
                                        "-af", "astats=measure_overall=RMS_level:measure_perchannel=none", "-f", "null", "-"])
        guard let range = report.range(of: "RMS level dB: ") else { throw TestFailure("no astats RMS: \(report.suffix(300))") }
        let value = report[range.upperBound...].prefix { $0 == "-" || $0 == "." || $0.isNumber }
        guard let level = Double(value) else { throw TestFailure("unreadable RMS level \(value)") }
        return level
    }
}
