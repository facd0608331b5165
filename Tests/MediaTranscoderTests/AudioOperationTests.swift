import Foundation
import MediaTranscoding
import OutpostTesting
import ServiceKit
import Testing

/// `audio-encode`, `normalize` and `chapters`, checked with ffprobe (codecs, rates, tags,
/// chapters) and ffmpeg's ebur128 filter (loudness) — never with the service's own summary.
@Suite("Media audio operations", .serialized, .heavy)
struct AudioOperationTests {
    init() { FFmpegLog.setLevel(.error) }

    private func encodeRequest(_ params: [String: JSONValue]) throws -> AudioEncodeRequest {
        try AudioEncodeRequest(parameters: JobParameters(params))
    }

    /// A stereo tone of `seconds` at `volume` (linear) at 44.1 kHz, as WAV.
    private func makeTone(_ path: String, seconds: Double, volume: Double = 0.5) throws {
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=\(seconds)", "-af", "volume=\(volume),aformat=channel_layouts=stereo", path])
    }

    @Test(arguments: [
        ("mp3", "mp3", "audio/mpeg", ".mp3"), ("aac", "aac", "audio/mp4", ".m4a"), ("opus", "opus", "audio/ogg", ".opus"), ("flac", "flac", "audio/flac", ".flac"),
    ])
    func audioEncodeWritesEachFormatWithItsRateChannelsAndTags(format: String, codec: String, contentType: String, ext: String) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("tone.wav")
        try makeTone(source, seconds: 3)
        let rate = format == "opus" ? 48000 : 32000
        let request = try encodeRequest(["format": .string(format), "bitrate": 96, "sampleRate": .number(Double(rate)), "channels": 1,
                                         "title": "Pitch", "artist": "Pitchey", "album": "Demos"])
        let (_, files) = try AudioEncode.run(inputPath: source, request: request, directory: temp.path)
        #expect(files.count == 1 && files[0].contentType == contentType && files[0].path.hasSuffix(ext))
        let probe = try MediaProbe.probe(files[0].path)
        #expect(probe.audio?.codec == codec && probe.video == nil)
        #expect(probe.audio?.channels == 1)
        #expect(probe.audio?.sampleRate == rate, "\(format): \(String(describing: probe.audio?.sampleRate))")
        #expect(abs(probe.duration - 3) <= 0.1, "\(format): \(probe.duration) s")
        if format != "flac" {
            let bitRate = Double(probe.size * 8) / probe.duration
            #expect(bitRate > 96_000 * 0.6 && bitRate < 96_000 * 1.4, "\(format): \(bitRate) bit/s for 96k")
        }
        let tags = try MediaProbe.tags(files[0].path)
        #expect(tags["title"] == "Pitch" && tags["artist"] == "Pitchey" && tags["album"] == "Demos", "\(format): \(tags)")
        _ = try MediaProbe.decodesWhole(files[0].path)
    }

    @Test(arguments: [-16.0, -23.0])
    func normalizeReachesTheTargetWithinOneLUAsEbur128MeasuresIt(target: Double) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("quiet.wav")
        // A quiet tone whose level steps up halfway (about −33 then −27 LUFS).
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=10",
                           "-af", "volume='if(lt(t,5),0.03,0.06)':eval=frame,aformat=channel_layouts=stereo", source])
        let before = try MediaProbe.loudness(source)
        let normalize = Normalize(targetLUFS: target, encode: try encodeRequest(["format": "flac"]))
        let (summary, files) = try normalize.run(inputPath: source, directory: temp.path)
        let after = try MediaProbe.loudness(files[0].path)
        print("normalize to \(target): before \(before.integrated) LUFS, after \(after.integrated) LUFS, true peak \(after.truePeak) dBTP")
        #expect(abs(after.integrated - target) <= 1, "integrated \(after.integrated) LUFS for \(target)")
        #expect(after.truePeak <= -1.5 + 0.3, "true peak \(after.truePeak) dBTP")
        #expect(abs(summary.inputIntegrated - before.integrated) <= 0.5, "pass 1 measured \(summary.inputIntegrated), ffmpeg \(before.integrated)")
        let probe = try MediaProbe.probe(files[0].path)
        #expect(probe.audio?.sampleRate == 48000 && abs(probe.duration - 10) <= 0.1)
    }

    @Test func denoiseTakesTheNoiseDownAndKeepsTheTone() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("noisy.wav")
        // White noise throughout (about −39 dBFS RMS), a tone from 1.5 s.
        try FFmpegCLI.run(["-f", "lavfi", "-i", "anoisesrc=color=white:amplitude=0.02:sample_rate=48000:duration=4",
                           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
                           "-filter_complex", "[1]volume='if(lt(t,1.5),0,0.3)':eval=frame[t];[0][t]amix=inputs=2:normalize=0", source])
        let denoise = Denoise(reduction: 20, noiseFloor: -30, encode: try encodeRequest(["format": "flac"]))
        let (_, files) = try denoise.run(inputPath: source, directory: temp.path)
        let noiseBefore = try MediaProbe.rmsLevel(source, from: 0.5, seconds: 0.9), noiseAfter = try MediaProbe.rmsLevel(files[0].path, from: 0.5, seconds: 0.9)
        let toneBefore = try MediaProbe.rmsLevel(source, from: 2.5, seconds: 1.4), toneAfter = try MediaProbe.rmsLevel(files[0].path, from: 2.5, seconds: 1.4)
        print("denoise: noise \(noiseBefore) → \(noiseAfter) dBFS, tone \(toneBefore) → \(toneAfter) dBFS")
        #expect(noiseAfter <= noiseBefore - 10, "noise \(noiseBefore) → \(noiseAfter)")
        #expect(abs(toneAfter - toneBefore) <= 1.5, "tone \(toneBefore) → \(toneAfter)")
    }

    @Test(arguments: [("mp3", ".mp3"), ("aac", ".m4a")])
    func chaptersAreWrittenAsTheFormatCarriesThem(format: String, ext: String) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("talk.wav")
        try makeTone(source, seconds: 6)
        let list = try ChapterList(json: #"[{"start":0,"title":"Intro"},{"start":2.5,"title":"The pitch"},{"start":4,"title":"Q&A"}]"#)
        let (_, files) = try ChapterMarking.run(inputPath: source, list: list, request: try encodeRequest(["format": .string(format), "title": "Episode 1"]),
                                                directory: temp.path)
        #expect(files[0].path.hasSuffix(ext))
        let chapters = try MediaProbe.chapters(files[0].path)
        #expect(chapters.map(\.title) == ["Intro", "The pitch", "Q&A"], "\(format): \(chapters)")
        let starts = chapters.map(\.start), ends = chapters.map(\.end)
        #expect(zip(starts, [0, 2.5, 4]).allSatisfy { abs($0 - $1) < 0.05 }, "\(format) starts \(starts)")
        #expect(zip(ends, [2.5, 4, 6]).allSatisfy { abs($0 - $1) < 0.1 }, "\(format) ends \(ends)")
        #expect(try MediaProbe.tags(files[0].path)["title"] == "Episode 1")
    }

    @Test func badChapterListsAndFormatsAreRejected() throws {
        for bad in ["", "[]", "{\"start\":0}", #"[{"start":-1,"title":"a"}]"#, #"[{"start":0,"title":""}]"#, #"[{"start":5,"title":"a"},{"start":2,"title":"b"}]"#] {
            #expect(throws: ServiceError.self, "\(bad)") { try ChapterList(json: bad) }
        }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("tone.wav")
        try makeTone(source, seconds: 2)
        let late = try ChapterList(json: #"[{"start":0,"title":"a"},{"start":3,"title":"past the end"}]"#)
        let error = #expect(throws: MediaError.self) { try ChapterMarking.run(inputPath: source, list: late, request: try encodeRequest([:]), directory: temp.path) }
        #expect(error?.httpStatus == 400)
        let flac = #expect(throws: MediaError.self) {
            try ChapterMarking.run(inputPath: source, list: try ChapterList(json: #"[{"start":0,"title":"a"}]"#), request: try encodeRequest(["format": "flac"]), directory: temp.path)
        }
        #expect(flac?.httpStatus == 400)
    }

    @Test func silenceCannotBeNormalizedAndAVideoWithoutAudioIsA422() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let silence = temp.file("silence.wav")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", silence])
        let silent = #expect(throws: MediaError.self) { try Normalize(encode: try encodeRequest([:])).run(inputPath: silence, directory: temp.path) }
        #expect(silent?.httpStatus == 422)
        let video = temp.file("video.mp4")
        try MediaProbe.makeVideo(video, seconds: 1, size: "160x90", audio: false)
        let noAudio = #expect(throws: MediaError.self) { try AudioEncode.run(inputPath: video, request: try encodeRequest([:]), directory: temp.path) }
        #expect(noAudio?.code == .noAudioStream && noAudio?.httpStatus == 422)
    }
}
