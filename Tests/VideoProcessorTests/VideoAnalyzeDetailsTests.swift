import Foundation
import OutpostTesting
import Testing
import VideoProcessing

/// `analyze`'s per-stream bit rate, rotation, colour/HDR and keyframe interval on files whose
/// values the test sets with the ffmpeg CLI.
@Suite("Video analyze details")
struct VideoAnalyzeDetailsTests {
    @Test func keyframeIntervalRotationColourAndBitRate() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let encoded = temp.file("encoded.mp4")
        let path = temp.file("tagged.mp4")
        try FFmpegCLI.run([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
            "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv",
            "-c:a", "aac", "-b:a", "96k", encoded,
        ])
        // FFmpeg 5.1 writes a display matrix from the rotate tag only when copying streams.
        try FFmpegCLI.run(["-i", encoded, "-c", "copy", "-metadata:s:v:0", "rotate=90", path])
        let analysis = try MediaAnalyzer.analyze(path: path)
        let video = try #require(analysis.video)
        #expect(video.keyframes == 2 && video.keyframeInterval.map { abs($0 - 2) < 0.001 } == true, "\(video)")
        #expect(video.colorPrimaries == "bt2020" && video.colorTransfer == "smpte2084" && video.colorSpace == "bt2020nc" && video.colorRange == "tv")
        #expect(video.hdr == "PQ")
        #expect(video.rotation == 90)
        let ffprobeRotation = try MediaProbe.run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream_side_data=rotation", "-of", "csv=p=0", path])
        #expect(video.rotation == Double(ffprobeRotation.trimmingCharacters(in: .whitespacesAndNewlines)), "ours \(String(describing: video.rotation)), ffprobe \(ffprobeRotation)")
        // Against ffprobe's stream bit rates (mp4 records them from the same packets).
        let probe = try MediaProbe.probe(path)
        for (ours, theirs) in [(video.measuredBitRate, probe.video?.bitRate), (analysis.audio?.measuredBitRate, probe.audio?.bitRate)] {
            let a = Double(try #require(ours)), b = Double(try #require(theirs))
            #expect(abs(a / b - 1) < 0.1, "\(a) vs ffprobe \(b)")
        }
    }
}
