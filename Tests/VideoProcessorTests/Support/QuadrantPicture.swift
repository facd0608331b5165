import Foundation
import OutpostTesting

/// A test picture of four coloured quadrants (red, green / blue, white), which shows which way
/// round a video or image is; read back with the `ffmpeg` and `ffprobe` CLIs.
enum QuadrantPicture {
    /// The quadrants' colours, top-left, top-right, bottom-left, bottom-right, as coded.
    static let coded = ["red", "green", "blue", "white"]

    /// The quadrants seen after turning the coded picture counter-clockwise by `degrees` (a
    /// multiple of 90), which is what a display matrix of that angle (ffprobe's `rotation`) asks.
    static func turnedCounterClockwise(_ degrees: Int) -> [String] {
        var quadrants = coded
        for _ in 0..<(((degrees % 360) + 360) % 360 / 90) {
            // A quarter turn counter-clockwise: the top-right comes to the top-left, and so on.
            quadrants = [quadrants[1], quadrants[3], quadrants[0], quadrants[2]]
        }
        return quadrants
    }

    /// Makes an H.264 mp4 of `seconds` of the quadrants at `width`×`height`, with a display
    /// matrix asking for a `rotate`-degree turn (`-metadata:s:v rotate=`, FFmpeg 5's way; 0: none).
    static func makeVideo(_ path: String, width: Int = 320, height: Int = 180, seconds: Double = 2, rotate: Int) throws {
        let (w, h) = (width / 2, height / 2)
        let plain = rotate == 0 ? path : path + ".plain.mp4"
        try FFmpegCLI.run([
            "-f", "lavfi", "-i",
            "color=red:s=\(w)x\(h):d=\(seconds):r=25[a];color=lime:s=\(w)x\(h):d=\(seconds):r=25[b];color=blue:s=\(w)x\(h):d=\(seconds):r=25[c];"
                + "color=white:s=\(w)x\(h):d=\(seconds):r=25[d];[a][b]hstack[t];[c][d]hstack[u];[t][u]vstack",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p", plain,
        ])
        guard rotate != 0 else { return }
        try FFmpegCLI.run(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=\(rotate)", path])
        try FileManager.default.removeItem(atPath: plain)
    }

    /// The display-matrix rotation ffprobe reads on the first video stream (nil without one).
    static func rotation(_ path: String) throws -> Double? {
        let output = try MediaProbe.run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream_side_data=rotation", "-of", "csv=p=0", path])
        return output.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.first
    }

    /// The colour names of the four quadrants (top-left, top-right, bottom-left, bottom-right) of
    /// the frame at `time` of `path` (a video or an image), each the nearest of the four colours to
    /// the mean of the quadrant's middle, as ffmpeg decodes it.
    static func quadrants(_ path: String, time: Double = 0.5, scratch: String) throws -> [String] {
        let palette: [(String, [Double])] = [("red", [255, 0, 0]), ("green", [0, 255, 0]), ("blue", [0, 0, 255]), ("white", [255, 255, 255])]
        var names: [String] = []
        for (x, y) in [("iw/8", "ih/8"), ("5*iw/8", "ih/8"), ("iw/8", "5*ih/8"), ("5*iw/8", "5*ih/8")] {
            let raw = scratch + "/quadrant.rgb"
            var arguments = path.hasSuffix(".png") || path.hasSuffix(".jpeg") ? [] : ["-ss", String(time)]
            arguments += ["-i", path, "-frames:v", "1", "-vf", "crop=iw/4:ih/4:\(x):\(y),scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw]
            try FFmpegCLI.run(arguments)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
            guard bytes.count >= 3 else { throw TestFailure("ffmpeg wrote \(bytes.count) bytes for a quadrant of \(path)") }
            let pixel = bytes.prefix(3).map(Double.init)
            let nearest = palette.min { a, b in
                zip(a.1, pixel).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) < zip(b.1, pixel).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            }
            names.append(nearest?.0 ?? "?")
        }
        return names
    }
}
