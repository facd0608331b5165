import Foundation
import MediaTranscoding
import OutpostTesting
import ServiceKit
import ServiceTesting
import Testing

/// The `cover` parameter of the audio operations: the attached image muxed in as an attached
/// picture, checked with ffprobe (stream disposition, codec, size) against the same encode
/// without a cover — never with the service's own summary.
@Suite("Media audio cover image", .serialized, .heavy)
struct AudioCoverTests {
    init() { FFmpegLog.setLevel(.error) }

    /// One job through the media handler in-process (descriptor check, handler check, run), its
    /// single output written to `path`.
    private func encode(_ operation: String, _ parameters: [String: JSONValue], input: String, attachments: [String: [String]] = [:], to path: String) async throws {
        let result = try await InProcessJob.run(MediaJobHandler(), operation, parameters, inputPath: input, attachments: attachments, threads: 2)
        let file: JobOutputFile
        switch result {
        case .file(let one): file = one
        case .files(let files, _) where files.count == 1: file = files[0]
        default: throw TestFailure("expected one output file, got \(result)")
        }
        try Data(try file.readBytes()).write(to: URL(fileURLWithPath: path))
    }

    /// ffprobe's `-show_streams` of `path`, as Foundation objects.
    private func streams(_ path: String) throws -> [[String: Any]] {
        let text = try MediaProbe.run("/usr/bin/ffprobe", ["-v", "error", "-show_streams", "-of", "json", path])
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let streams = object["streams"] as? [[String: Any]] else { throw TestFailure("ffprobe gave no streams: \(text)") }
        return streams
    }

    @Test(arguments: [("mp3", "mp3", "audio-encode"), ("m4a", "aac", "audio-encode"), ("mp3", "mp3", "chapters"), ("m4a", "aac", "chapters")])
    func coverIsAnAttachedPictureAndTheAudioIsUnchanged(format: String, codec: String, operation: String) async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let tone = temp.file("tone.wav"), cover = temp.file("cover.jpg")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-ac", "2", tone])
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=1", "-frames:v", "1", cover])
        var parameters: [String: JSONValue] = ["format": .string(format), "title": "Pitch"]
        if operation == "chapters" { parameters["chapters"] = #"[{"start":0,"title":"One"},{"start":1,"title":"Two"}]"# }
        let plain = temp.file("plain.\(format)"), covered = temp.file("covered.\(format)")
        try await encode(operation, parameters, input: tone, to: plain)
        parameters["cover"] = "uploads/cover.jpg"
        try await encode(operation, parameters, input: tone, attachments: ["cover": [cover]], to: covered)

        let before = try streams(plain), after = try streams(covered)
        // One stream more (an M4A with chapters also has its chapter track, in both).
        #expect(after.count == before.count + 1, "\(operation) \(format): \(before.count) then \(after.count) streams")
        #expect(before.allSatisfy { $0["codec_type"] as? String != "video" })
        let pictures = after.filter { $0["codec_type"] as? String == "video" }
        #expect(pictures.count == 1)
        let picture = try #require(pictures.first)
        #expect((picture["disposition"] as? [String: Any])?["attached_pic"] as? Int == 1, "\(picture)")
        #expect(picture["codec_name"] as? String == "mjpeg")
        #expect(picture["width"] as? Int == 96 && picture["height"] as? Int == 64)

        let audioBefore = try #require(before.first { $0["codec_type"] as? String == "audio" })
        let audioAfter = try #require(after.first { $0["codec_type"] as? String == "audio" })
        #expect(audioAfter["codec_name"] as? String == codec && audioBefore["codec_name"] as? String == codec)
        #expect(audioAfter["sample_rate"] as? String == audioBefore["sample_rate"] as? String && audioAfter["channels"] as? Int == audioBefore["channels"] as? Int)
        let durationBefore = Double(audioBefore["duration"] as? String ?? "") ?? 0, durationAfter = Double(audioAfter["duration"] as? String ?? "") ?? 0
        #expect(abs(durationAfter - durationBefore) <= 0.01 && abs(durationAfter - 2) <= 0.1, "\(durationBefore) s then \(durationAfter) s")
        #expect(try MediaProbe.tags(covered)["title"] == "Pitch")
        if operation == "chapters" { #expect(try MediaProbe.chapters(covered).map(\.title) == ["One", "Two"]) }
        _ = try MediaProbe.decodesWhole(covered)
    }

    @Test func coverWithAFormatThatHoldsNoneOrThatIsNoImageIsRefused() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let tone = temp.file("tone.wav"), cover = temp.file("cover.jpg")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1", tone])
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=1", "-frames:v", "1", cover])
        let notAnImage = try temp.write("notes.jpg", Array("this is not a picture\n".utf8))

        for format in ["opus", "flac"] {
            let error = await InProcessJob.error(MediaJobHandler(), "audio-encode", ["format": .string(format), "cover": "uploads/cover.jpg"], inputPath: tone,
                                                 attachments: ["cover": [cover]])
            #expect(error?.statusCode == 400 && error?.message.contains("mp3 and m4a") == true, "\(format): \(String(describing: error))")
        }
        let text = await InProcessJob.error(MediaJobHandler(), "normalize", ["format": "mp3", "cover": "uploads/notes.jpg"], inputPath: tone,
                                            attachments: ["cover": [notAnImage]])
        #expect(text?.statusCode == 422 && text?.message.contains("not a JPEG or PNG") == true, "\(String(describing: text))")
        // A WAV is a media file FFmpeg reads, but not an image.
        let audio = await InProcessJob.error(MediaJobHandler(), "denoise", ["format": "m4a", "cover": "uploads/tone.wav"], inputPath: tone,
                                             attachments: ["cover": [tone]])
        #expect(audio?.statusCode == 422 && audio?.message.contains("not a JPEG or PNG") == true, "\(String(describing: audio))")
        let missing = await InProcessJob.error(MediaJobHandler(), "audio-encode", ["format": "mp3", "cover": "uploads/cover.jpg"], inputPath: tone)
        #expect(missing?.statusCode == 400 && missing?.message.contains("cover") == true, "\(String(describing: missing))")
    }

    /// Through the service's HTTP server, the parts encoded by `curl -F` (an independent multipart
    /// encoder), as the platform sends them: the input, then the part `cover`.
    @Test func coverArrivesAsAMultipartPartOverHTTP() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let tone = temp.file("tone.wav"), cover = temp.file("cover.jpg"), answer = temp.file("answer.m4a")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1", tone])
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc=size=80x60:rate=1", "-frames:v", "1", cover])
        let status = try MediaProbe.run("/usr/bin/curl", ["-sS", "-o", answer, "-w", "%{http_code}",
                                                          "-F", "input=@\(tone);type=audio/wav", "-F", "cover=@\(cover);filename=cover.jpg;type=image/jpeg",
                                                          service.baseURL + "/jobs/audio-encode?format=m4a&cover=uploads%2Fcover.jpg"])
        #expect(status == "200", "\(status): \((try? String(contentsOfFile: answer, encoding: .utf8)) ?? "")")
        let picture = try #require(try streams(answer).first { $0["codec_type"] as? String == "video" })
        #expect((picture["disposition"] as? [String: Any])?["attached_pic"] as? Int == 1 && picture["codec_name"] as? String == "mjpeg")
        #expect(picture["width"] as? Int == 80 && picture["height"] as? Int == 60)
        #expect(try MediaProbe.probe(answer).audio?.codec == "aac")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
