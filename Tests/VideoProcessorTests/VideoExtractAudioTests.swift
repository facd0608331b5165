import ServiceTesting
import Foundation
import OutpostTesting
import ServiceKit
import Testing
import VideoProcessing

/// `extract-audio`, checked with ffprobe and ffmpeg decoding the file.
@Suite("Video extract-audio", .serialized)
struct VideoExtractAudioTests {
    init() { FFmpegLog.setLevel(.error) }

    struct Case: Sendable, CustomTestStringConvertible {
        var params: [String: JSONValue]
        var codec: String
        var sampleRate: Int
        var channels: Int
        var testDescription: String { "\(params) → \(codec) \(sampleRate) Hz \(channels) ch" }
    }

    @Test(arguments: [
        Case(params: ["format": "aac"], codec: "aac", sampleRate: 48000, channels: 2),
        Case(params: ["format": "mp3", "bitrate": 96, "sampleRate": 44100, "channels": 1], codec: "mp3", sampleRate: 44100, channels: 1),
        Case(params: ["format": "opus", "bitrate": 64], codec: "opus", sampleRate: 48000, channels: 2),
        Case(params: ["format": "flac", "sampleRate": 22050], codec: "flac", sampleRate: 22050, channels: 2),
        Case(params: ["format": "wav", "channels": 1], codec: "pcm_s16le", sampleRate: 48000, channels: 1),
    ])
    func audioHasTheCodecRateChannelsAndDurationAsked(_ testCase: Case) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 3, size: "320x240")
        let extraction = try AudioExtraction(parameters: JobParameters(testCase.params))
        let (_, files) = try extraction.run(inputPath: source, directory: temp.path)
        #expect(files.count == 1 && files[0].name == "audio")
        let probe = try MediaProbe.probe(files[0].path)
        #expect(probe.video == nil)
        #expect(probe.audio?.codec == testCase.codec)
        #expect(probe.audio?.sampleRate == testCase.sampleRate && probe.audio?.channels == testCase.channels)
        #expect(abs(probe.duration - 3.0) <= 0.1, "duration \(probe.duration)")
        _ = try MediaProbe.decodesWhole(files[0].path)
        if let bitrate = testCase.params["bitrate"]?.doubleValue {
            let kbps = Double(probe.size) * 8 / probe.duration / 1000
            #expect(abs(kbps - bitrate) / bitrate < 0.3, "\(kbps) kbit/s")
        }
    }

    @Test func videoWithoutAudioIs422AndAnUnsupportedRateIs400() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let silent = temp.file("silent.mp4")
        try MediaProbe.makeVideo(silent, seconds: 1, size: "160x120", audio: false)
        let service = try await InProcessService.start()
        let none = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-audio", try Data(contentsOf: URL(fileURLWithPath: silent)))
        #expect(none.status == 422 && none.errorCode == "no_audio_stream", "\(none.text)")
        let rate = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-audio?format=opus&sampleRate=44100", try Fixtures.data("sample.mp4"))
        #expect(rate.status == 400 && rate.text.contains("sampleRate"), "\(rate.text)")
        let range = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-audio?channels=9", try Fixtures.data("sample.mp4"))
        #expect(range.status == 400 && range.text.contains("channels"), "\(range.text)")
        let fromAudio = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-audio?format=mp3", try Fixtures.data("tone.m4a"))
        #expect(fromAudio.status == 200 && fromAudio.header("Content-Type") == "audio/mpeg", "\(fromAudio.text.prefix(200))")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
