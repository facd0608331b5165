import ServiceTesting
import Foundation
import OutpostTesting
import Testing
import VideoProcessing

/// Several thumbnails per job (times, interval), WebP, and the contact sheet with its WebVTT map,
/// checked by decoding the images with ffprobe/ffmpeg.
@Suite("Video thumbnails: several times, WebP, sprite")
struct VideoThumbnailSetTests {
    @Test func severalTimesInOneJobMatchFFmpegsFramesAtThoseTimes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let times = [1.72, 0.0, 1.3]
        let thumbnails = try ThumbnailExtractor.thumbnails(path: Fixtures.path("sample.mp4"), times: times, request: .init(format: .png))
        #expect(thumbnails.count == 3)
        for (thumbnail, time) in zip(thumbnails, times) {
            try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: temp.file("ours.png")))
            try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: time, output: temp.file("ref.png"))
            let psnr = try FFmpegCLI.psnr(temp.file("ours.png"), temp.file("ref.png"))
            #expect(psnr >= 35, "t=\(time): PSNR \(psnr)")
        }
    }

    /// Times in one job are visited in increasing order, and one after the last frame returned
    /// within the same keyframe interval is reached by decoding on instead of seeking back. This
    /// order goes through each path: a first seek, a repeated time (seek again), decoding on within
    /// a GOP (0.4 → 0.9 → 1.1), a new GOP (seek to 2.0), decoding on to the last frame (3.95), then
    /// past it (3.99: decoding on finds nothing, so it seeks and takes the last frame). Each image is
    /// ffmpeg's frame at that time (neighbouring frames of this clip are ~20 dB apart).
    @Test func timesInAnyOrderSharingKeyframeIntervalsAreFFmpegsFramesAtThoseTimes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let clip = temp.file("gop.mp4")
        // 4 s at 25 fps, a keyframe every 2 s: frames at 0, 0.04 … 3.96.
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p", clip])
        let times = [3.0, 0.4, 0.4, 0.9, 2.2, 1.1, 3.99, 3.95]
        let thumbnails = try ThumbnailExtractor.thumbnails(path: clip, times: times, request: .init(format: .png))
        #expect(thumbnails.count == times.count)
        for (thumbnail, time) in zip(thumbnails, times) {
            try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: temp.file("ours.png")))
            // Past the last frame (3.96) ffmpeg -ss gives no frame: the last one is the reference.
            try FFmpegCLI.referenceFrame(input: clip, timestamp: min(time, 3.96), output: temp.file("ref.png"))
            let psnr = try FFmpegCLI.psnr(temp.file("ours.png"), temp.file("ref.png"))
            #expect(psnr >= 35, "t=\(time): PSNR \(psnr)")
        }
    }

    @Test func webpDecodesWithTheRequestedSize() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 1.3, width: 160, format: .webp, quality: 80))
        #expect(Array(thumbnail.bytes.prefix(4)) == Array("RIFF".utf8))
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: temp.file("ours.webp")))
        let probe = try MediaProbe.probe(temp.file("ours.webp"))
        #expect(probe.video?.codec == "webp" && probe.video?.width == 160 && probe.video?.height == 120)
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: 1.3, output: temp.file("ref.png"), filter: "scale=160:120")
        let psnr = try FFmpegCLI.psnr(temp.file("ours.webp"), temp.file("ref.png"))
        print("webp thumbnail: PSNR \(psnr) dB")
        #expect(psnr >= 25)
    }

    @Test func intervalOverHTTPGivesAFrameEveryIntervalAsSeparateOutputs() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?interval=0.5&format=jpeg&width=80", try Fixtures.data("sample.mp4"))
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let body = try reply.json()
        let outputs = try #require(body["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["name"] as? String } == ["thumbnail-000", "thumbnail-001", "thumbnail-002", "thumbnail-003"])
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        for output in outputs {
            let bytes = try #require(Data(base64Encoded: output["base64"] as? String ?? ""))
            try bytes.write(to: URL(fileURLWithPath: temp.file("t.jpg")))
            let probe = try MediaProbe.probe(temp.file("t.jpg"))
            #expect(probe.video?.codec == "mjpeg" && probe.video?.width == 80 && probe.video?.height == 60)
        }
        let frames = ((body["result"] as? [String: Any])?["thumbnails"] as? [[String: Any]] ?? []).compactMap { $0["frameTimestamp"] as? Double }
        #expect(frames.count == 4 && zip(frames, [0, 0.52, 1.0, 1.52]).allSatisfy { abs($0 - $1) < 0.001 }, "\(frames)")
        let late = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?timestamps=1,99", try Fixtures.data("sample.mp4"))
        #expect(late.status == 400 && late.text.contains("99"), "\(late.text)")
        let malformed = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?timestamps=1,abc", try Fixtures.data("sample.mp4"))
        #expect(malformed.status == 400 && malformed.text.contains("timestamps"), "\(malformed.text)")
        let audio = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?timestamps=0,1", try Fixtures.data("tone.m4a"))
        #expect(audio.status == 422, "\(audio.text)")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }

    @Test func spriteIsOneSheetWhoseTilesAreTheFramesAndAVTTMapPointingAtThem() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?sprite=true&timestamps=0,0.5,1,1.5,1.9&width=80&format=png",
                                           try Fixtures.data("sample.mp4"))
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let outputs = try #require(try reply.json()["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["name"] as? String } == ["sprite", "sprite-map"])
        #expect(outputs.map { $0["contentType"] as? String } == ["image/png", "text/vtt"])
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let sheet = temp.file("sprite.png")
        try #require(Data(base64Encoded: outputs[0]["base64"] as? String ?? "")).write(to: URL(fileURLWithPath: sheet))
        let vtt = String(decoding: try #require(Data(base64Encoded: outputs[1]["base64"] as? String ?? "")), as: UTF8.self)
        // 5 tiles → 3 columns × 2 rows of 80×60.
        let probe = try MediaProbe.probe(sheet)
        #expect(probe.video?.width == 240 && probe.video?.height == 120)
        #expect(vtt.hasPrefix("WEBVTT\n"))
        let cues = vtt.components(separatedBy: "\n").filter { $0.hasPrefix("sprite.png#xywh=") }
        #expect(cues == ["sprite.png#xywh=0,0,80,60", "sprite.png#xywh=80,0,80,60", "sprite.png#xywh=160,0,80,60",
                         "sprite.png#xywh=0,60,80,60", "sprite.png#xywh=80,60,80,60"])
        #expect(vtt.contains("00:00:00.500 --> 00:00:01.000"))
        // Each tile, cut out by ffmpeg's crop, is ffmpeg's own frame at that time.
        for (index, time) in [0.0, 0.5, 1.0, 1.5, 1.9].enumerated() {
            let x = (index % 3) * 80, y = (index / 3) * 60
            try FFmpegCLI.run(["-i", sheet, "-vf", "crop=80:60:\(x):\(y)", temp.file("tile.png")])
            try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: time, output: temp.file("ref.png"), filter: "scale=80:60")
            let psnr = try FFmpegCLI.psnr(temp.file("tile.png"), temp.file("ref.png"))
            #expect(psnr >= 30, "tile \(index) at \(time): PSNR \(psnr)")
        }
        await service.stop()
    }
}
