import Foundation
import OutpostTesting
import ServiceKit
import Testing
import VideoProcessing

/// Inputs with a display matrix (phone videos) come out upright: width and height swapped for a
/// quarter turn, the quadrants where the matrix says they are seen (as ffprobe reads it, and as the
/// `ffmpeg` CLI's own autorotate shows them), and no rotation left on the output.
@Suite("Video auto-rotation", .serialized, .heavy)
struct VideoAutorotateTests {
    init() { FFmpegLog.setLevel(.error) }

    /// A 320×180 quadrant video with `rotate`, and ffprobe's reading of its matrix.
    private func rotatedInput(_ temp: TemporaryDirectory, rotate: Int) throws -> (path: String, rotation: Int) {
        let input = temp.file("input-\(rotate).mp4")
        try QuadrantPicture.makeVideo(input, rotate: rotate)
        let rotation = try #require(try QuadrantPicture.rotation(input), "ffprobe sees no display matrix on the input")
        #expect(try QuadrantPicture.quadrants(input, scratch: temp.path) == QuadrantPicture.turnedCounterClockwise(Int(rotation)),
                "the ffmpeg CLI's autorotate should show the quadrants as the matrix says")
        return (input, Int(rotation))
    }

    @Test(arguments: [90, 180, 270])
    func processOutputIsUpright(_ rotate: Int) async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (input, rotation) = try rotatedInput(temp, rotate: rotate)
        let result = try await HandlerRun.run("process", ["quality": "low"], inputPath: input)
        let output = try #require(try HandlerRun.savedFiles(result, in: temp.path, extension: ".mp4")["video"])
        let probe = try MediaProbe.probe(output)
        let quarter = rotate != 180
        #expect(probe.video?.width == (quarter ? 180 : 320) && probe.video?.height == (quarter ? 320 : 180), "\(probe)")
        #expect(try QuadrantPicture.rotation(output) == nil, "the output keeps a display matrix")
        #expect(try QuadrantPicture.quadrants(output, scratch: temp.path) == QuadrantPicture.turnedCounterClockwise(rotation))
        #expect(abs(probe.duration - 2) < 0.1)
    }

    @Test func compressAndThumbnailsAreUprightToo() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (input, rotation) = try rotatedInput(temp, rotate: 90)
        let upright = QuadrantPicture.turnedCounterClockwise(rotation)

        let compressed = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("compress", [:], inputPath: input), in: temp.path, extension: ".mp4")["video"])
        let probe = try MediaProbe.probe(compressed)
        #expect(probe.video?.width == 180 && probe.video?.height == 320, "\(probe)")
        #expect(try QuadrantPicture.rotation(compressed) == nil)
        #expect(try QuadrantPicture.quadrants(compressed, scratch: temp.path) == upright)

        let thumbnail = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("thumbnail", ["timestamp": 1], inputPath: input), in: temp.path, extension: ".png")["thumbnail"])
        let image = try MediaProbe.probe(thumbnail)
        #expect(image.video?.width == 180 && image.video?.height == 320, "\(image)")
        #expect(try QuadrantPicture.quadrants(thumbnail, scratch: temp.path) == upright)

        // Sized thumbnails and the sprite's tiles refer to the upright picture (90 wide → 160 high).
        let sprite = try HandlerRun.savedFiles(try await HandlerRun.run("thumbnail", ["timestamps": "0,1", "sprite": true, "width": 90, "columns": 2], inputPath: input),
                                               in: temp.path, extension: ".png")
        let sheet = try MediaProbe.probe(try #require(sprite["sprite"]))
        #expect(sheet.video?.width == 180 && sheet.video?.height == 160, "\(sheet)")

        let scenes = try HandlerRun.savedFiles(try await HandlerRun.run("scenes", ["thumbnails": true, "format": "png", "width": 90], inputPath: input),
                                               in: temp.path, extension: ".png")
        let first = try #require(scenes["scene-000"])
        let scene = try MediaProbe.probe(first)
        #expect(scene.video?.width == 90 && scene.video?.height == 160, "\(scene)")
        #expect(try QuadrantPicture.quadrants(first, scratch: temp.path) == upright)
    }

    @Test func autorotateOffKeepsTheCodedPictureAndItsMatrix() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (input, rotation) = try rotatedInput(temp, rotate: 90)
        let output = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("process", ["quality": "low", "autorotate": false], inputPath: input),
                                                            in: temp.path, extension: ".mp4")["video"])
        let probe = try MediaProbe.probe(output)
        #expect(probe.video?.width == 320 && probe.video?.height == 180, "\(probe)")
        // Pixels as coded, with the matrix kept: players (and ffmpeg) still show it upright.
        #expect(try QuadrantPicture.rotation(output).map(Int.init) == rotation)
        #expect(try QuadrantPicture.quadrants(output, scratch: temp.path) == QuadrantPicture.turnedCounterClockwise(rotation))
        let thumbnail = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("thumbnail", ["timestamp": 1, "autorotate": false], inputPath: input),
                                                               in: temp.path, extension: ".png")["thumbnail"])
        #expect(try QuadrantPicture.quadrants(thumbnail, scratch: temp.path) == QuadrantPicture.coded)
    }

    @Test func anUnrotatedInputIsUntouched() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let input = temp.file("plain.mp4")
        try QuadrantPicture.makeVideo(input, rotate: 0)
        #expect(try QuadrantPicture.rotation(input) == nil)
        let output = try #require(try HandlerRun.savedFiles(try await HandlerRun.run("process", ["quality": "low"], inputPath: input), in: temp.path, extension: ".mp4")["video"])
        let probe = try MediaProbe.probe(output)
        #expect(probe.video?.width == 320 && probe.video?.height == 180)
        #expect(try QuadrantPicture.quadrants(output, scratch: temp.path) == QuadrantPicture.coded)
    }
}
