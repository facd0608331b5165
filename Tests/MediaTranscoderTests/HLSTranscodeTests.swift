import Foundation
import MediaTranscoding
import OutpostTesting
import ServiceKit
import MediaTranscoderDescriptor
import Testing

/// `hls-transcode`, checked with ffprobe per rendition and ffmpeg decoding the master playlist —
/// never with the service's own summary.
@Suite("Media hls-transcode", .serialized, .heavy)
struct HLSTranscodeTests {
    init() { FFmpegLog.setLevel(.error) }

    private func request(_ params: [String: JSONValue]) throws -> HLSRequest {
        try HLSRequest(parameters: JobParameters(params))
    }

    @Test func ladderFromOneDecodeHasAlignedKeyframesLadderBitRatesAndAMasterPlaylistThatDecodes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeDetailedVideo(source, seconds: 6, size: "640x360", rate: 30)
        let out = temp.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var reports: [Double] = []
        // medium (854x480) is above the 640x360 source: left out, never upscaled.
        let (_, files) = try HLSTranscode.run(inputPath: source, request: try request(["qualities": "mobile,low,medium", "segmentSeconds": 2]),
                                              streamName: "pitch-1", directory: out, progress: { fraction, _ in reports.append(fraction) })
        let names = files.map(\.name)
        #expect(names.first == "master" && names.contains("mobile") && names.contains("low") && !names.contains("medium"))
        #expect(names.contains("audio") && names.contains("poster") && names.contains("mobile-000") && names.contains("audio-000"))
        // Every output name plus its declared extension is the file the playlists refer to.
        for file in files {
            let ext = file.contentType == "image/jpeg" ? ".jpg" : file.contentType == "video/mp2t" ? ".ts" : ".m3u8"
            #expect(file.path.hasSuffix("/" + file.name + ext), "\(file.name) at \(file.path)")
        }

        let expected: [(name: String, width: Int, height: Int, bitRate: Double)] = [("mobile", 426, 240, 400_000), ("low", 640, 360, 800_000)]
        var keyframeTimes: [[Double]] = []
        for rendition in expected {
            let playlist = out + "/\(rendition.name).m3u8"
            let probe = try MediaProbe.probe(playlist)
            #expect(probe.video?.codec == "h264")
            #expect(probe.video?.width == rendition.width && probe.video?.height == rendition.height, "\(rendition.name): \(String(describing: probe.video))")
            #expect(probe.audio == nil, "video renditions carry no audio (it is its own rendition)")
            let packets = try MediaProbe.videoPackets(playlist)
            let seconds = (packets.last.map { $0.time + $0.duration } ?? 0) - (packets.first?.time ?? 0)
            let measured = Double(packets.reduce(0) { $0 + $1.size }) * 8 / seconds
            print("hls \(rendition.name): \(Int(measured)) bit/s over \(seconds) s (target \(Int(rendition.bitRate)))")
            #expect(abs(measured - rendition.bitRate) <= rendition.bitRate * 0.2, "\(rendition.name): \(measured) bit/s")
            let keys = packets.filter(\.isKey).map { $0.time - (packets.first?.time ?? 0) }
            keyframeTimes.append(keys)
            // A keyframe exactly every segment (2 s), at 0, 2, 4.
            #expect(keys.count == 3 && zip(keys, [0.0, 2, 4]).allSatisfy { abs($0 - $1) < 0.01 }, "\(rendition.name) keyframes \(keys)")
            #expect(try MediaProbe.segmentCount(playlist) == 3)
        }
        #expect(keyframeTimes[0] == keyframeTimes[1], "keyframes align across renditions")

        let master = try String(contentsOfFile: out + "/master.m3u8", encoding: .utf8)
        let variants = master.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-STREAM-INF:") }
        #expect(variants.count == 2)
        for variant in variants {
            for attribute in ["BANDWIDTH=", "AVERAGE-BANDWIDTH=", "RESOLUTION=", "CODECS=\"avc1.", "mp4a.40.2\"", "FRAME-RATE=30.000", "AUDIO=\"audio\""] {
                #expect(variant.contains(attribute), "\(attribute) in \(variant)")
            }
        }
        #expect(master.contains("#EXT-X-MEDIA:TYPE=AUDIO") && master.contains("URI=\"audio.m3u8\"") && master.contains("VALUE=\"pitch-1\""))
        // ffmpeg reads the master playlist: both variants and the audio, the whole duration.
        let masterProbe = try MediaProbe.probe(out + "/master.m3u8")
        #expect(Set(masterProbe.streams.compactMap(\.height)) == [240, 360])
        #expect(masterProbe.audio?.codec == "aac" && masterProbe.audio?.sampleRate == 48000)
        let decodedSeconds = try MediaProbe.decodedDuration(out + "/master.m3u8")
        #expect(abs(decodedSeconds - 6) <= 0.15, "decoded \(decodedSeconds) s")
        // The audio rendition.
        let audio = try MediaProbe.probe(out + "/audio.m3u8")
        #expect(audio.audio?.codec == "aac" && audio.video == nil && abs(audio.duration - 6) <= 0.2)
        // The poster is a JPEG at the largest rendition's size.
        let poster = try MediaProbe.probe(out + "/poster.jpg")
        #expect(poster.video?.codec == "mjpeg" && poster.video?.width == 640 && poster.video?.height == 360)
        #expect(reports.last == 1 && zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 } && reports.contains { $0 > 0.3 && $0 < 0.9 })
    }

    @Test func aPortraitSourceSmallerThanEveryRungKeepsItsOwnSizeAndSegmentsDefaultToSixSeconds() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 7, size: "180x320", rate: 25, audio: false)
        let (summary, files) = try HLSTranscode.run(inputPath: source, request: try request(["qualities": "low,high"]), streamName: "job-1", directory: temp.path)
        #expect(!files.contains { $0.name == "audio" } && !files.contains { $0.name == "high" })
        let probe = try MediaProbe.probe(temp.file("low.m3u8"))
        #expect(probe.video?.width == 180 && probe.video?.height == 320, "never upscaled: \(String(describing: probe.video))")
        let packets = try MediaProbe.videoPackets(temp.file("low.m3u8"))
        let keys = packets.filter(\.isKey).map { $0.time - (packets.first?.time ?? 0) }
        #expect(keys.count == 2 && abs(keys[1] - 6) < 0.01, "keyframes \(keys)")
        #expect(try MediaProbe.segmentCount(temp.file("low.m3u8")) == 2)
        let master = try String(contentsOfFile: temp.file("master.m3u8"), encoding: .utf8)
        #expect(!master.contains("EXT-X-MEDIA") && !master.contains("mp4a") && master.contains("RESOLUTION=180x320"))
        #expect(summary.streamName == "job-1")
    }

    @Test func aPhoneVideosDisplayMatrixIsAppliedSoTheLadderIsUpright() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        // An upright portrait picture, stored turned a quarter clockwise with a display matrix that
        // turns it back (`rotate=90`, FFmpeg 5's way): what a phone writes.
        let upright = temp.file("upright.mp4"), landscape = temp.file("landscape.mp4"), rotated = temp.file("rotated.mp4")
        try MediaProbe.makeVideo(upright, seconds: 2, size: "180x320", rate: 25, audio: false)
        try FFmpegCLI.run(["-i", upright, "-vf", "transpose=clock", "-c:v", "libx264", "-crf", "10", landscape])
        try FFmpegCLI.run(["-i", landscape, "-c", "copy", "-metadata:s:v", "rotate=90", rotated])
        let stored = try #require(try MediaProbe.probe(rotated).video)
        try #require(stored.width == 320 && stored.height == 180, "the stored picture is landscape")
        // The ffmpeg CLI's own autorotate shows it upright: the fixture is what it should be.
        let cli = temp.file("cli.png"), source = temp.file("source.png")
        try FFmpegCLI.referenceFrame(input: rotated, timestamp: 1, output: cli)
        try FFmpegCLI.referenceFrame(input: upright, timestamp: 1, output: source)
        try #require(try FFmpegCLI.psnr(cli, source) >= 30)
        _ = try HLSTranscode.run(inputPath: rotated, request: try request(["qualities": "low"]), streamName: "job-r", directory: temp.path)
        let probe = try MediaProbe.probe(temp.file("low.m3u8"))
        #expect(probe.video?.width == 180 && probe.video?.height == 320, "the rendition is upright: \(String(describing: probe.video))")
        let ours = temp.file("ours.png"), reference = temp.file("reference.png")
        try FFmpegCLI.referenceFrame(input: temp.file("low.m3u8"), timestamp: 1, output: ours)
        try FFmpegCLI.referenceFrame(input: upright, timestamp: 1, output: reference)
        let psnr = try FFmpegCLI.psnr(ours, reference)
        #expect(psnr >= 25, "the picture is turned the right way: \(psnr) dB against the upright source")
    }

    @Test func aCancelStopsTheLadderMidwayWithCancelled() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("source.mp4")
        try MediaProbe.makeVideo(source, seconds: 8, size: "640x360", rate: 25)
        var cancelledAt: ContinuousClock.Instant?
        var lastProgress = 0.0
        let error = #expect(throws: MediaError.self) {
            try HLSTranscode.run(inputPath: source, request: try request(["qualities": "mobile,low"]), streamName: "c", directory: temp.path,
                                 progress: { fraction, _ in lastProgress = fraction },
                                 isCancelled: {
                                     if cancelledAt == nil && lastProgress > 0.2 { cancelledAt = .now }
                                     return cancelledAt != nil
                                 })
        }
        let stoppedAfter = cancelledAt.map { ContinuousClock.now - $0 }
        print("hls cancel: stopped \(String(describing: stoppedAfter)) after the cancel, at progress \(lastProgress)")
        #expect(error?.code == .cancelled && error?.httpStatus == 499)
        #expect(lastProgress < 0.9, "stopped before the end (progress \(lastProgress))")
    }

    @Test func inputWithoutVideoOrCorruptIsA422() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let tone = temp.file("tone.m4a")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", tone])
        let noVideo = #expect(throws: MediaError.self) { try HLSTranscode.run(inputPath: tone, request: try request([:]), streamName: "x", directory: temp.path) }
        #expect(noVideo?.code == .noVideoStream && noVideo?.httpStatus == 422)
        let junk = temp.file("junk.mp4")
        try Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: junk))
        let corrupt = #expect(throws: MediaError.self) { try HLSTranscode.run(inputPath: junk, request: try request([:]), streamName: "x", directory: temp.path) }
        #expect(corrupt?.httpStatus == 422)
    }

    @Test func unknownQualitiesAndBadSegmentLengthsAreRejectedByTheDescriptor() throws {
        let operation = try #require(MediaTranscoderDescriptor.service.operations.first { $0.name == "hls-transcode" })
        #expect(throws: ParameterError.self) { try operation.validate(["qualities": "mobile,ultra"]) }
        #expect(throws: ParameterError.self) { try operation.validate(["qualities": ["low", "4k"]]) }
        #expect(throws: ParameterError.self) { try operation.validate(["segmentSeconds": 0.5]) }
        #expect(throws: ParameterError.self) { try operation.validate(["segmentSeconds": "six"]) }
        try operation.validate(["qualities": "Mobile, low", "segmentSeconds": 4])
        try operation.validate(["qualities": ["high", "full"]])
        #expect(throws: ServiceError.self) { try HLSRequest(parameters: JobParameters(["stream_name": "../etc"])) }
        #expect(try request(["qualities": ["full", "mobile"]]).renditions.map(\.quality) == ["mobile", "full"])
    }
}
