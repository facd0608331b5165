import Foundation

/// The `ffmpeg` command-line tool, as the independent reference tests check thumbnails against.
public enum FFmpegCLI {
    public static let executable = "/usr/bin/ffmpeg"

    /// Runs ffmpeg with `arguments`; returns its stderr (where it prints reports).
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-hide_banner", "-nostdin", "-y"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FFmpegCLIError("ffmpeg \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text.suffix(800))")
        }
        return text
    }

    /// `ffmpeg -ss T -i input -frames:v 1 output.png` (plus an optional scale filter).
    public static func referenceFrame(input: String, timestamp: Double, output: String, filter: String? = nil) throws {
        var arguments = ["-ss", String(timestamp), "-i", input, "-frames:v", "1"]
        if let filter { arguments += ["-vf", filter] }
        try run(arguments + [output])
    }

    /// The average PSNR (dB) between two images of the same size, from ffmpeg's psnr filter;
    /// `.infinity` when they are identical.
    public static func psnr(_ a: String, _ b: String) throws -> Double {
        let report = try run(["-i", a, "-i", b, "-lavfi", "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr", "-f", "null", "-"])
        guard let range = report.range(of: #"average:([0-9.]+|inf)"#, options: .regularExpression) else {
            throw FFmpegCLIError("no PSNR in ffmpeg output: \(report.suffix(500))")
        }
        let value = report[range].dropFirst("average:".count)
        return value == "inf" ? .infinity : Double(value) ?? 0
    }
}

/// ffmpeg failed, or printed no PSNR.
public struct FFmpegCLIError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
