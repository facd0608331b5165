import Foundation
import OutpostTesting

/// Independent readers of media files (ffprobe, ffmpeg's psnr and null muxer) and a maker of test
/// media from lavfi sources, so tests never trust the service's own account of its outputs.
enum MediaProbe {
    struct Stream {
        var codec: String
        var type: String
        var width: Int?
        var height: Int?
        var frameRate: Double?
        var sampleRate: Int?
        var channels: Int?
        var bitRate: Int?
    }

    struct Report {
        var duration: Double
        var size: Int
        var streams: [Stream]
        var video: Stream? { streams.first { $0.type == "video" } }
        var audio: Stream? { streams.first { $0.type == "audio" } }
    }

    /// `ffprobe -show_format -show_streams` of `path`.
    static func probe(_ path: String) throws -> Report {
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
    static func decodesWhole(_ path: String) throws -> String {
        try FFmpegCLI.run(["-v", "error", "-xerror", "-i", path, "-f", "null", "-"])
    }

    /// The average luma+chroma PSNR (dB) of `encoded` against `reference` scaled to its size.
    static func psnr(_ encoded: String, reference: String, width: Int, height: Int) throws -> Double {
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
    static func makeVideo(_ path: String, seconds: Double = 3, size: String = "640x360", rate: Int = 25, audio: Bool = true) throws {
        var arguments = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds)"]
        if audio { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)"] }
        arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "6", "-pix_fmt", "yuv420p"]
        if audio { arguments += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"] }
        try FFmpegCLI.run(arguments + [path])
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func rational(_ text: String) -> Double? {
        let parts = text.split(separator: "/").compactMap { Double($0) }
        guard parts.count == 2, parts[1] != 0 else { return nil }
        return parts[0] / parts[1]
    }
}
