import ServiceTesting
import Foundation
import OutpostTesting
import ServiceKit
import Testing
import VideoProcessing

/// `compress`: file sizes against their targets, measured on disk.
@Suite("Video compress", .serialized, .heavy)
struct VideoCompressTests {
    init() { FFmpegLog.setLevel(.error) }

    @Test(arguments: [300_000, 900_000])
    func theFileLandsWithinTenPercentOfTheTarget(_ target: Int) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 6, size: "640x360")
        let compress = try CompressOperation(parameters: JobParameters(["targetSizeBytes": .number(Double(target))]))
        let (_, files) = try compress.run(inputPath: source, directory: temp.path)
        let size = try FileManager.default.attributesOfItem(atPath: files[0].path)[.size] as? Int ?? 0
        print("compress target \(target): \(size) bytes (\(String(format: "%+.1f", (Double(size) / Double(target) - 1) * 100)) %)")
        #expect(abs(Double(size) / Double(target) - 1) <= 0.10)
        let probe = try MediaProbe.probe(files[0].path)
        #expect(probe.video?.codec == "h264" && probe.audio?.codec == "aac")
        #expect(abs(probe.duration - 6) <= 0.1)
    }

    @Test func withoutATargetTheQualityFollowsTheResolution() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 2, size: "640x360")
        let (_, files) = try CompressOperation(parameters: JobParameters()).run(inputPath: source, directory: temp.path)
        let psnr = try MediaProbe.psnr(files[0].path, reference: source, width: 640, height: 360)
        let probe = try MediaProbe.probe(files[0].path)
        print("compress auto: \(probe.size) bytes, PSNR \(psnr) dB")
        #expect(probe.video?.width == 640 && psnr >= 33)
    }

    @Test func anUnreachableTargetIs400NamingTheFloor() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("long.mp4")
        try MediaProbe.makeVideo(source, seconds: 10, size: "160x120")
        let service = try await InProcessService.start()
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let floor = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/compress?targetSizeBytes=120000", data)
        #expect(floor.status == 400 && floor.text.contains("smallest target"), "\(floor.text)")
        let range = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/compress?targetSizeBytes=5000", data)
        #expect(range.status == 400 && range.text.contains("targetSizeBytes"), "\(range.text)")
        let audio = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/compress?targetSizeMB=1", try Fixtures.data("tone.m4a"))
        #expect(audio.status == 422, "\(audio.text)")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
