import ServiceTesting
import Foundation
import OutpostTesting
import ServiceKit
import Testing
import VideoProcessing

/// Text and image watermarks, measured against an unmarked encode with the same settings: pixels
/// change inside the mark's box and (beyond coding noise) nowhere else.
@Suite("Video watermark", .serialized, .heavy)
struct VideoWatermarkTests {
    init() { FFmpegLog.setLevel(.error) }

    /// PSNR of a region of two videos (ffmpeg crop + psnr).
    private func regionPSNR(_ a: String, _ b: String, crop: String) throws -> Double {
        let report = try FFmpegCLI.run(["-i", a, "-i", b, "-lavfi", "[0:v]crop=\(crop)[a];[1:v]crop=\(crop)[b];[a][b]psnr", "-f", "null", "-"])
        guard let range = report.range(of: #"average:([0-9.]+|inf)"#, options: .regularExpression) else { throw TestFailure("no PSNR: \(report.suffix(300))") }
        let value = report[range].dropFirst("average:".count)
        return value == "inf" ? .infinity : Double(value) ?? 0
    }

    @Test func theMarkChangesOnlyItsCorner() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 2, audio: false)
        let plainDirectory = temp.file("plain"), markedDirectory = temp.file("marked")
        for directory in [plainDirectory, markedDirectory] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let params: [String: JSONValue] = ["quality": "high", "text": "PITCHEY", "position": "bottom-right", "fontSize": 40, "margin": 10, "opacity": 1]
        let request = try TranscodeRequest(parameters: JobParameters(params))
        let watermark = try #require(try Watermark(parameters: JobParameters(params), textParameter: "text"))
        let plain = try ProcessOperation.run(inputPath: source, request: request, directory: plainDirectory).files[0].path
        let marked = try ProcessOperation.run(inputPath: source, request: request, watermark: watermark, directory: markedDirectory).files[0].path
        // 640×360: the mark sits in the bottom-right 260×70 box; the rest is the top and left.
        let corner = try regionPSNR(plain, marked, crop: "260:70:380:290")
        let top = try regionPSNR(plain, marked, crop: "640:260:0:0")
        let left = try regionPSNR(plain, marked, crop: "360:360:0:0")
        print("watermark: corner PSNR \(corner) dB, top \(top) dB, left \(left) dB")
        #expect(corner < 25)
        #expect(top >= 40 && left >= 40)
        let probe = try MediaProbe.probe(marked)
        #expect(probe.video?.codec == "h264" && probe.video?.width == 640)
    }

    @Test func watermarkParametersAreChecked() async throws {
        let service = try await InProcessService.start()
        let missing = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/watermark", try Fixtures.data("sample.mp4"))
        #expect(missing.status == 400 && missing.text.contains("text"), "\(missing.text)")
        let position = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/watermark?text=hi&position=middle", try Fixtures.data("sample.mp4"))
        #expect(position.status == 400 && position.text.contains("position"), "\(position.text)")
        let opacity = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/watermark?text=hi&opacity=2", try Fixtures.data("sample.mp4"))
        #expect(opacity.status == 400 && opacity.text.contains("opacity"), "\(opacity.text)")
        let ok = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/process?watermark=%C2%A9%20it's%3A%25%7Bpts%7D&position=top-left&quality=low",
                                        try Fixtures.data("sample.mp4"))
        #expect(ok.status == 200 && ok.header("Content-Type") == "video/mp4", "\(ok.text.prefix(300))")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }

    /// A PNG with alpha made by ffmpeg: `transparentLeft` leaves the left half fully transparent,
    /// the rest is opaque yellow.
    private func makeMark(_ path: String, width: Int, height: Int, transparentLeft: Bool) throws {
        let fill = transparentLeft
            ? "color=c=yellow:s=\(width)x\(height),format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,W/2),0,255)'"
            : "color=c=yellow:s=\(width)x\(height),format=rgba"
        try FFmpegCLI.run(["-f", "lavfi", "-i", fill, "-frames:v", "1", "-pix_fmt", "rgba", path])
        let probe = try MediaProbe.probe(path)
        #expect(probe.video?.codec == "png" && probe.video?.width == width)
    }

    /// The plain and the image-marked encodes of `source` (through the handler, the image as the
    /// job's `imageKey` attachment), saved in `temp`.
    private func plainAndMarked(_ source: String, mark: String, _ params: [String: JSONValue], temp: TemporaryDirectory) async throws -> (plain: String, marked: String) {
        var plainParams = params
        for name in ["position", "margin", "opacity"] { plainParams[name] = nil }
        let plainDirectory = temp.file("plain"), markedDirectory = temp.file("marked")
        for directory in [plainDirectory, markedDirectory] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let plain = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("process", plainParams, inputPath: source), in: plainDirectory, extension: ".mp4")["video"])
        var markedParams = params
        markedParams["imageKey"] = "brand/mark.png"
        let result = try await HandlerRun.run("watermark", markedParams, inputPath: source, attachments: ["imageKey": [mark]])
        let marked = try #require(try HandlerRun.savedFiles(result, in: markedDirectory, extension: ".mp4")["video"])
        return (plain, marked)
    }

    @Test func theImageMarkChangesOnlyItsOpaquePart() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4"), mark = temp.file("mark.png")
        try MediaProbe.makeVideo(source, seconds: 2, audio: false)
        try makeMark(mark, width: 160, height: 80, transparentLeft: true)
        let (plain, marked) = try await plainAndMarked(source, mark: mark, ["quality": "high", "position": "bottom-right", "margin": 10, "opacity": 0.9], temp: temp)
        // 640×360: the mark's box is 160×80 at (470, 270); its right half (550…630) is opaque.
        let opaque = try regionPSNR(plain, marked, crop: "80:80:550:270")
        let transparent = try regionPSNR(plain, marked, crop: "64:80:472:270")
        let top = try regionPSNR(plain, marked, crop: "640:260:0:0")
        let left = try regionPSNR(plain, marked, crop: "460:360:0:0")
        print("image watermark: opaque PSNR \(opaque) dB, transparent \(transparent) dB, top \(top) dB, left \(left) dB")
        #expect(opaque < 25)
        #expect(transparent >= 35)
        #expect(top >= 40 && left >= 40)
        let probe = try MediaProbe.probe(marked)
        #expect(probe.video?.codec == "h264" && probe.video?.width == 640 && abs(probe.duration - 2) < 0.1)
    }

    @Test func aMarkLargerThanTheVideoIsScaledToFitInsideTheMargins() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4"), mark = temp.file("wide.png")
        try MediaProbe.makeVideo(source, seconds: 1, audio: false)
        try makeMark(mark, width: 1000, height: 100, transparentLeft: false)
        let (plain, marked) = try await plainAndMarked(source, mark: mark, ["quality": "high", "position": "top-left", "margin": 10, "opacity": 1], temp: temp)
        // 1000×100 shrinks to 620×62 (640 less two margins): x 10…630, rows 10…72; unscaled it
        // would reach row 110, and a smaller mark would leave its right end unchanged.
        let inside = try regionPSNR(plain, marked, crop: "600:40:20:20")
        let rightEnd = try regionPSNR(plain, marked, crop: "16:40:610:20")
        let justBelow = try regionPSNR(plain, marked, crop: "600:16:20:82")
        let below = try regionPSNR(plain, marked, crop: "640:260:0:100")
        print("scaled image watermark: inside PSNR \(inside) dB, right end \(rightEnd) dB, just below \(justBelow) dB, below \(below) dB")
        #expect(inside < 25 && rightEnd < 25)
        #expect(justBelow >= 38 && below >= 40)
    }

    @Test func theImageMarkIsPlacedOnTheUprightPicture() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("rotated.mp4"), mark = temp.file("mark.png")
        try QuadrantPicture.makeVideo(source, seconds: 1, rotate: 90)
        try makeMark(mark, width: 40, height: 40, transparentLeft: false)
        let (plain, marked) = try await plainAndMarked(source, mark: mark, ["quality": "high", "position": "bottom-right", "margin": 8, "opacity": 1], temp: temp)
        let probe = try MediaProbe.probe(marked)
        #expect(probe.video?.width == 180 && probe.video?.height == 320, "\(probe)")
        // Upright 180×320: the box is 40×40 at (132, 272).
        let box = try regionPSNR(plain, marked, crop: "40:40:132:272")
        let top = try regionPSNR(plain, marked, crop: "180:250:0:0")
        let left = try regionPSNR(plain, marked, crop: "120:320:0:0")
        print("image watermark on a rotated input: box PSNR \(box) dB, top \(top) dB, left \(left) dB")
        #expect(box < 25)
        #expect(top >= 40 && left >= 40)
    }

    @Test func imageMarkErrorsAreClear() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4"), mark = temp.file("mark.png")
        try MediaProbe.makeVideo(source, seconds: 1, audio: false)
        try makeMark(mark, width: 40, height: 40, transparentLeft: true)
        let notAnImage = try temp.write("notes.png", Array("this is not a picture\n".utf8))
        let image: [String: JSONValue] = ["imageKey": "brand/mark.png", "quality": "low"]

        let text = await HandlerRun.error("watermark", image, inputPath: source, attachments: ["imageKey": [notAnImage]])
        #expect(text?.statusCode == 422 && text?.message.contains("imageKey") == true, "\(String(describing: text))")
        let video = await HandlerRun.error("watermark", image, inputPath: source, attachments: ["imageKey": [source]])
        #expect(video?.statusCode == 422 && video?.message.contains("not a still image") == true, "\(String(describing: video))")

        var both = image
        both["text"] = "PITCHEY"
        let refused = await HandlerRun.error("watermark", both, inputPath: source, attachments: ["imageKey": [mark]])
        #expect(refused?.statusCode == 400 && refused?.message.contains("imageKey") == true && refused?.message.contains("text") == true, "\(String(describing: refused))")
        var processBoth = image
        processBoth["watermark"] = "PITCHEY"
        let processRefused = await HandlerRun.error("process", processBoth, inputPath: source, attachments: ["imageKey": [mark]])
        #expect(processRefused?.statusCode == 400 && processRefused?.message.contains("watermark") == true, "\(String(describing: processRefused))")

        let neither = await HandlerRun.error("watermark", ["quality": "low"], inputPath: source)
        #expect(neither?.statusCode == 400 && neither?.message.contains("imageKey") == true, "\(String(describing: neither))")
        let unsent = await HandlerRun.error("watermark", image, inputPath: source)
        #expect(unsent?.statusCode == 400 && unsent?.message.contains("not sent") == true, "\(String(describing: unsent))")
    }

    /// The mean RGB of a `crop` of the frame at 0.5 s, as ffmpeg decodes it.
    private func meanColour(_ path: String, crop: String, scratch: String) throws -> [Int] {
        let raw = scratch + "/mean.rgb"
        try FFmpegCLI.run(["-ss", "0.5", "-i", path, "-frames:v", "1", "-vf", "crop=\(crop),scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw])
        return try Data(contentsOf: URL(fileURLWithPath: raw)).prefix(3).map(Int.init)
    }

    @Test(arguments: ["mp4", "webm", "hls"])
    func opacityBlendsTheImageOverThePicture(_ format: String) async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("quadrants.mp4"), mark = temp.file("yellow.png")
        try QuadrantPicture.makeVideo(source, seconds: 1, rotate: 0)
        try makeMark(mark, width: 40, height: 40, transparentLeft: false)
        var params: [String: JSONValue] = ["outputFormat": .string(format), "quality": "high", "imageKey": "brand/yellow.png", "position": "top-left", "margin": 10]
        for (opacity, green) in [(1.0, 255...255), (0.5, 100...155)] {
            params["opacity"] = .number(opacity)
            let directory = temp.file("\(format)-\(opacity)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let files = try HandlerRun.savedFiles(try await HandlerRun.run("watermark", params, inputPath: source, attachments: ["imageKey": [mark]]),
                                                  in: directory, extension: format == "hls" ? "" : "." + format)
            var output = try #require(files[format == "hls" ? "playlist" : "video"])
            if format == "hls" {
                // The segments are named in the playlist as written; put them back under those names.
                for (name, path) in files where name.hasPrefix("segment-") { try FileManager.default.moveItem(atPath: path, toPath: path + ".ts") }
                try FileManager.default.moveItem(atPath: output, toPath: output + ".m3u8")
                output += ".m3u8"
            }
            // Yellow over the red quadrant: opaque stays yellow; at 0.5 green is half way.
            let inside = try meanColour(output, crop: "20:20:20:20", scratch: temp.path)
            let outside = try meanColour(output, crop: "20:20:100:20", scratch: temp.path)
            print("\(format) opacity \(opacity): inside \(inside), outside \(outside)")
            #expect(inside.count == 3 && inside[0] >= 230 && (green.lowerBound - 12...green.upperBound).contains(inside[1]) && inside[2] <= 25, "\(inside)")
            #expect(outside.count == 3 && outside[0] >= 230 && outside[1] <= 25 && outside[2] <= 25, "\(outside)")
        }
    }
}
