import ServiceTesting
import Foundation
import OutpostTesting
import Testing
import VideoProcessing

/// `scenes` on videos the test makes with cuts at known times.
@Suite("Video scenes", .heavy)
struct VideoScenesTests {
    /// Solid colours, then moving test pictures, concatenated: cuts at the sums of the lengths.
    private func makeCuts(_ path: String, clips: [(source: String, seconds: Double)]) throws {
        var arguments: [String] = []
        for clip in clips { arguments += ["-f", "lavfi", "-i", "\(clip.source)\(clip.source.contains("=") ? ":" : "=")size=320x240:rate=25:duration=\(clip.seconds)"] }
        let normalised = clips.indices.map { "[\($0):v]setsar=1,format=yuv420p,settb=1/25[v\($0)]" }.joined(separator: ";")
        let inputs = clips.indices.map { "[v\($0)]" }.joined()
        arguments += ["-filter_complex", "\(normalised);\(inputs)concat=n=\(clips.count):v=1:a=0", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path]
        try FFmpegCLI.run(arguments)
    }

    @Test func everyCutIsFoundWithinOneFrameAndNoOthers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("cuts.mp4")
        try makeCuts(path, clips: [("color=c=red", 2), ("color=c=blue", 1.6), ("testsrc2", 2), ("color=c=green", 1.2)])
        let result = try SceneDetector.detect(path: path)
        let starts = result.scenes.map(\.start)
        print("scenes: \(result.scenes)")
        #expect(starts.count == 4, "\(starts)")
        for (found, expected) in zip(starts, [0, 2, 3.6, 5.6]) {
            #expect(abs(found - expected) <= 0.04 + 1e-9, "cut at \(found), expected \(expected)")
        }
        #expect(abs((result.scenes.last?.end ?? 0) - 6.8) <= 0.04 + 1e-9)
        #expect(result.scenes.dropFirst().allSatisfy { $0.score >= SceneDetector.defaultThreshold })
        // Scenes tile the video.
        #expect(zip(result.scenes, result.scenes.dropFirst()).allSatisfy { $0.end == $1.start })
    }

    @Test func aStaticClipIsOneScene() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("static.mp4")
        try makeCuts(path, clips: [("color=c=gray", 3)])
        let result = try SceneDetector.detect(path: path)
        #expect(result.scenes.count == 1 && result.scenes[0].start == 0)
        #expect(abs(result.scenes[0].end - 3) <= 0.04 + 1e-9)
    }

    @Test func minSceneSecondsDropsCutsTooCloseAndTheServiceAnswersJSON() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("cuts.mp4")
        try makeCuts(path, clips: [("color=c=red", 1), ("color=c=blue", 0.4), ("color=c=yellow", 1.6)])
        let service = try await InProcessService.start()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/scenes?minSceneSeconds=0.5", data)
        #expect(reply.status == 200, "\(reply.text)")
        let scenes = try #require((try reply.json()["result"] as? [String: Any])?["scenes"] as? [[String: Any]])
        // The cut to yellow comes 0.4 s after the cut to blue, less than the minimum: it is ignored.
        #expect(scenes.compactMap { $0["start"] as? Double }.map { ($0 * 100).rounded() / 100 } == [0, 1.0], "\(scenes)")
        let all = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/scenes?minSceneSeconds=0", data)
        let allScenes = try #require((try all.json()["result"] as? [String: Any])?["scenes"] as? [[String: Any]])
        #expect(allScenes.count == 3, "\(allScenes)")
        let withImages = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/scenes?minSceneSeconds=0&thumbnails=true&width=64&format=png", data)
        let body = try withImages.json()
        let outputs = try #require(body["outputs"] as? [[String: Any]], "\(withImages.text.prefix(300))")
        #expect(outputs.map { $0["name"] as? String } == ["scene-000", "scene-001", "scene-002"])
        #expect(((body["result"] as? [String: Any])?["scenes"] as? [Any])?.count == 3)
        // Each scene's image is its colour (the clips are solid red, blue, yellow).
        let temp2 = try TemporaryDirectory()
        defer { temp2.remove() }
        for (output, colour) in zip(outputs, ["red", "blue", "yellow"]) {
            try #require(Data(base64Encoded: output["base64"] as? String ?? "")).write(to: URL(fileURLWithPath: temp2.file("scene.png")))
            try FFmpegCLI.run(["-f", "lavfi", "-i", "color=c=\(colour):size=64x48", "-frames:v", "1", temp2.file("ref.png")])
            #expect(try FFmpegCLI.psnr(temp2.file("scene.png"), temp2.file("ref.png")) >= 30, "\(colour)")
        }
        let bad = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/scenes?threshold=500", data)
        #expect(bad.status == 400 && bad.text.contains("threshold"), "\(bad.text)")
        let audio = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/scenes", try Fixtures.data("tone.m4a"))
        #expect(audio.status == 422, "\(audio.text)")
        await service.stop()
    }
}
