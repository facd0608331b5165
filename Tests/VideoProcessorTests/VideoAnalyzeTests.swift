import OutpostTesting
import Foundation
import Testing
import VideoProcessing

@Suite("Video analyze (library)")
struct VideoAnalyzeTests {
    @Test func analyzeReportsTheFixturesFormatAndStreams() throws {
        let analysis = try MediaAnalyzer.analyze(path: Fixtures.path("sample.mp4"))
        #expect(analysis.format.name.contains("mp4"))
        #expect(abs((analysis.format.duration ?? 0) - 2.0) < 0.05)
        #expect(analysis.format.size == Int64(try Fixtures.data("sample.mp4").count))
        #expect((analysis.format.bitRate ?? 0) > 0)
        #expect(analysis.streams.count == 2)

        let video = try #require(analysis.video)
        #expect(video.codec == "h264")
        #expect(video.width == 320 && video.height == 240)
        #expect(video.frameRate == 25)
        #expect(video.frameRateFraction == "25/1")
        #expect(video.pixelFormat == "yuv420p")
        #expect(abs((video.duration ?? 0) - 2.0) < 0.05)
        #expect(video.frames == 50)

        let audio = try #require(analysis.audio)
        #expect(audio.codec == "aac")
        #expect(audio.sampleRate == 48000)
        #expect(audio.channels == 1)
        #expect(audio.width == nil && audio.frameRate == nil)
    }

    @Test(arguments: ["truncated.mp4", "random.bin", "not-video.txt"])
    func analyzeRejectsInputThatIsNotReadableMedia(_ name: String) throws {
        let error = #expect(throws: VideoError.self) { try MediaAnalyzer.analyze(path: Fixtures.path(name)) }
        #expect(error?.code == .unreadableInput)
        #expect(error?.httpStatus == 422)
        #expect(error?.cause != nil)
    }

    @Test func audioOnlyInputAnalyzesWithOneAudioStream() throws {
        let analysis = try MediaAnalyzer.analyze(path: Fixtures.path("tone.m4a"))
        #expect(analysis.video == nil)
        #expect(analysis.audio?.codec == "aac")
    }

    @Test func formatsListTheFixturesCodecsAndTheOutputs() {
        let formats = SupportedFormats.current()
        #expect(formats.input.videoCodecs.contains("h264"))
        #expect(formats.input.audioCodecs.contains("aac"))
        #expect(formats.input.containers.contains("mov,mp4,m4a,3gp,3g2,mj2"))
        #expect(formats.output.thumbnail == ["png", "jpeg", "webp"])
    }
}
