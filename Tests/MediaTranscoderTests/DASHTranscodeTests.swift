import Foundation
import MediaTranscoding
import OutpostTesting
import ServiceKit
import Testing

/// `dash`, checked with ffprobe and ffmpeg reading the MPD (and the HLS playlists over the same
/// fMP4 segments).
@Suite("Media dash", .serialized, .heavy)
struct DASHTranscodeTests {
    init() { FFmpegLog.setLevel(.error) }

    @Test func sameAspectSizesShareOneExactRatio() {
        let sizes = Rendition.sameAspect([(426, 240), (640, 360), (1280, 720)])
        #expect(sizes?.map { "\($0.width)x\($0.height)" } == ["416x234", "640x360", "1280x720"])
        #expect(Rendition.sameAspect([(180, 320)])?.map { "\($0.width)x\($0.height)" } == ["180x320"])
        #expect(Rendition.sameAspect([(100, 58), (638, 358)]) == nil, "319:179 has no even multiple under 58 lines")
    }

    @Test func mpdWithCMAFSegmentsIsReadByFFprobeWithAlignedKeyframesAndTheSameSegmentsServeHLS() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeDetailedVideo(source, seconds: 4, size: "640x360", rate: 25)
        let out = temp.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let request = try HLSRequest(parameters: JobParameters(["qualities": "mobile,low,full", "segmentSeconds": 2]))
        let (_, files) = try DASHTranscode.run(inputPath: source, request: request, streamName: "s", directory: out)
        #expect(files.first?.name == "manifest" && files.first?.contentType == "application/dash+xml")
        let segments = files.filter { $0.contentType == "video/iso.segment" }
        #expect(segments.contains { $0.name.hasPrefix("init-") } && segments.contains { $0.name.hasPrefix("chunk-") })
        for file in files {
            let ext = ["application/dash+xml": ".mpd", "video/iso.segment": ".m4s", "application/vnd.apple.mpegurl": ".m3u8", "image/jpeg": ".jpg"][file.contentType] ?? "?"
            #expect(file.path.hasSuffix("/" + file.name + ext) && FileManager.default.fileExists(atPath: file.path), "\(file.name)")
        }
        let mpd = try String(contentsOfFile: out + "/manifest.mpd", encoding: .utf8)
        #expect(mpd.contains("<MPD") && mpd.contains("SegmentTemplate") && mpd.contains("mimeType=\"video/mp4\"") && mpd.contains("mimeType=\"audio/mp4\""))

        // ffprobe reads the MPD: two video representations (full is above the source) and the audio.
        // One adaptation set needs one exact aspect ratio, so mobile is 416x234 (16:9), not 426x240.
        let probe = try MediaProbe.probe(out + "/manifest.mpd")
        let videos = probe.streams.filter { $0.type == "video" }
        #expect(Set(videos.map { "\($0.width ?? 0)x\($0.height ?? 0)" }) == ["416x234", "640x360"] && videos.allSatisfy { $0.codec == "h264" }, "\(videos)")
        #expect(mpd.components(separatedBy: "<AdaptationSet").count - 1 == 2, "one video and one audio adaptation set")
        #expect(probe.audio?.codec == "aac")
        var keys: [[Double]] = []
        for index in 0..<videos.count {
            let packets = try MediaProbe.videoPackets(out + "/manifest.mpd", stream: "v:\(index)")
            keys.append(packets.filter(\.isKey).map { $0.time - (packets.first?.time ?? 0) })
        }
        #expect(keys.count == 2 && keys[0] == keys[1] && keys[0].count == 2 && abs((keys[0].last ?? 0) - 2) < 0.01, "keyframes \(keys)")
        let decoded = try MediaProbe.decodedDuration(out + "/manifest.mpd")
        #expect(abs(decoded - 4) <= 0.15, "decoded \(decoded) s")
        // The HLS playlists the muxer wrote over the same fMP4 segments decode as well.
        let hls = try MediaProbe.decodedDuration(out + "/master.m3u8")
        #expect(abs(hls - 4) <= 0.15, "HLS over fMP4 decoded \(hls) s")
    }
}
