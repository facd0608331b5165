import ServiceTesting
import Foundation
import OutpostTesting
import ServiceKit
import Testing
import VideoProcessing

/// A text watermark, measured against an unmarked encode with the same settings: pixels change
/// inside the mark's corner and (beyond coding noise) nowhere else.
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
}
