import OutpostTesting
import Foundation
import Testing
import VideoProcessing

@Suite("Video thumbnail (library)")
struct VideoThumbnailTests {
    /// 0 and 1.0 are keyframes; 0.5, 1.3 and 1.72 are not (B/P frames), so these exercise
    /// seeking to the keyframe before and decoding forward.
    @Test(arguments: [0.0, 0.5, 1.0, 1.3, 1.72])
    func thumbnailMatchesFFmpegsFrameAtTheSameTime(_ timestamp: Double) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: timestamp))
        let ours = temp.file("ours.png")
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: ours))
        let reference = temp.file("ref.png")
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: timestamp, output: reference)

        let psnr = try FFmpegCLI.psnr(ours, reference)
        print("thumbnail t=\(timestamp): PSNR \(psnr) dB vs ffmpeg -ss \(timestamp)")
        #expect(psnr >= 35)
        #expect(thumbnail.info.width == 320 && thumbnail.info.height == 240)
        // The first frame at or after the time: frames are 40 ms apart.
        let expectedFrame = (timestamp * 25).rounded(.up) / 25
        #expect(abs(thumbnail.info.frameTimestamp - expectedFrame) < 0.001)
        #expect(thumbnail.info.keyFrame == (timestamp == 0 || timestamp == 1.0))
    }

    @Test func aFrameOtherThanTheOneAskedForDoesNotMatch() throws {
        // Guards the PSNR check itself: neighbouring moments of testsrc2 must differ measurably.
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 0.5))
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: temp.file("ours.png")))
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: 1.3, output: temp.file("other.png"))
        #expect(try FFmpegCLI.psnr(temp.file("ours.png"), temp.file("other.png")) < 30)
    }

    struct Scaling: Sendable, CustomTestStringConvertible {
        var w, h, expectedW, expectedH: Int
        var testDescription: String { "\(w)x\(h) → \(expectedW)x\(expectedH)" }
    }

    @Test(arguments: [Scaling(w: 160, h: 0, expectedW: 160, expectedH: 120), Scaling(w: 0, h: 60, expectedW: 80, expectedH: 60),
                      Scaling(w: 100, h: 100, expectedW: 100, expectedH: 100), Scaling(w: 0, h: 0, expectedW: 320, expectedH: 240)])
    func scaledThumbnailsHaveTheRequestedSizeAndKeepTheAspect(_ scaling: Scaling) throws {
        let (w, h, expectedW, expectedH) = (scaling.w, scaling.h, scaling.expectedW, scaling.expectedH)
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 0.5, width: w, height: h))
        #expect(thumbnail.info.width == expectedW && thumbnail.info.height == expectedH)
        // Decode the PNG to check its real size, and compare with ffmpeg's scaled frame.
        let ours = temp.file("ours.png")
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: ours))
        let decoded = try MediaAnalyzer.analyze(path: ours)
        #expect(decoded.video?.codec == "png")
        #expect(decoded.video?.width == expectedW && decoded.video?.height == expectedH)
        let reference = temp.file("ref.png")
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: 0.5, output: reference, filter: "scale=\(expectedW):\(expectedH)")
        let psnr = try FFmpegCLI.psnr(ours, reference)
        print("thumbnail \(expectedW)x\(expectedH): PSNR \(psnr) dB vs ffmpeg scale")
        #expect(psnr >= 30)
    }

    @Test func jpegThumbnailDecodesAndLooksLikeTheFrame() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 1.3, format: .jpeg))
        #expect(Array(thumbnail.bytes.prefix(2)) == [0xFF, 0xD8])
        let ours = temp.file("ours.jpg")
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: ours))
        let decoded = try MediaAnalyzer.analyze(path: ours)
        #expect(decoded.video?.codec == "mjpeg")
        #expect(decoded.video?.width == 320 && decoded.video?.height == 240)
        let reference = temp.file("ref.png")
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: 1.3, output: reference)
        let psnr = try FFmpegCLI.psnr(ours, reference)
        print("jpeg thumbnail t=1.3: PSNR \(psnr) dB vs ffmpeg png")
        #expect(psnr >= 28)
    }

    @Test func lowerJpegQualityMakesSmallerFiles() throws {
        let best = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(format: .jpeg, quality: 100))
        let worst = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(format: .jpeg, quality: 1))
        #expect(worst.bytes.count < best.bytes.count)
    }

    @Test func aTimeAfterTheLastFrameButWithinTheDurationGivesTheLastFrame() throws {
        let thumbnail = try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 2.0))
        #expect(abs(thumbnail.info.frameTimestamp - 1.96) < 0.001)
    }

    @Test func parametersOutOfRangeAreRejected() {
        for make in [
            { try ThumbnailRequest(timestamp: -1) },
            { try ThumbnailRequest(timestamp: .nan) },
            { try ThumbnailRequest(width: 8193) },
            { try ThumbnailRequest(height: -2) },
            { try ThumbnailRequest(quality: 0) },
        ] as [() throws -> ThumbnailRequest] {
            let error = #expect(throws: VideoError.self) { try make() }
            #expect(error?.code == .invalidParameter)
            #expect(error?.httpStatus == 400)
        }
    }

    @Test func aTimePastTheEndIsAParameterError() {
        let error = #expect(throws: VideoError.self) {
            try ThumbnailExtractor.thumbnail(path: Fixtures.path("sample.mp4"), request: .init(timestamp: 2.5))
        }
        #expect(error?.code == .invalidParameter)
        #expect(error?.message.contains("past the end") == true)
    }

    @Test func audioOnlyInputHasNoVideoStream() {
        let error = #expect(throws: VideoError.self) {
            try ThumbnailExtractor.thumbnail(path: Fixtures.path("tone.m4a"), request: .init())
        }
        #expect(error?.code == .noVideoStream)
        #expect(error?.httpStatus == 422)
    }

    @Test(arguments: ["truncated.mp4", "random.bin", "not-video.txt"])
    func unreadableInputIsRejected(_ name: String) {
        let error = #expect(throws: VideoError.self) {
            try ThumbnailExtractor.thumbnail(path: Fixtures.path(name), request: .init())
        }
        #expect(error?.code == .unreadableInput)
    }
}
