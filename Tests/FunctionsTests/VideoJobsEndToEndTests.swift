import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The whole path with the real `video-processor` container: upload → job → orchestrator →
/// container → outputs in R2.
@Suite("Video jobs end to end", .serialized)
struct VideoJobsEndToEndTests {
    @Test("analyze returns the fixture's duration, codecs and size")
    func analyze() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let job = try await p.finished("/api/video/analyze", ["key": .string(key)])
            #expect(job["status"] == "succeeded")
            #expect(job["type"] == "video.analyze")
            #expect(job["attempts"] == 1)
            let result = try #require(job["result"])
            let duration = try #require(result["format"]?["duration"]?.doubleValue)
            #expect(abs(duration - 2.0) < 0.05)
            #expect((result["format"]?["bitRate"]?.doubleValue ?? 0) > 0)
            let streams = result["streams"]?.arrayValue ?? []
            let video = try #require(streams.first { $0["type"] == "video" })
            #expect(video["codec"] == "h264")
            #expect(video["width"] == 320)
            #expect(video["height"] == 240)
            #expect(video["frameRate"] == 25)
            #expect(video["pixelFormat"] == "yuv420p")
            let audio = try #require(streams.first { $0["type"] == "audio" })
            #expect(audio["codec"] == "aac")
            #expect(audio["sampleRate"] == 48000)
            #expect(audio["channels"] == 1)
        }
    }

    @Test("jobs one after another on a warm instance reuse the runtime's connection to it instead of opening one each")
    func connectionsAreReused() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let first = try await p.finished("/api/video/analyze", ["key": .string(key)])
            try #require(first["status"] == "succeeded", "\(first)")
            let pid = try #require(try await p.pid(of: "video-processor-1"))
            // The instance has its own network namespace; its /proc view lists both ends of every
            // connection to the service's port, closed ones too (TIME_WAIT, for a minute).
            let before = try Self.connections(pid: pid, port: 8080)
            for _ in 0..<5 {
                let job = try await p.finished("/api/video/analyze", ["key": .string(key)])
                #expect(job["status"] == "succeeded")
            }
            let after = try Self.connections(pid: pid, port: 8080)
            // A new connection per job would add five; one may be opened when a job starts before
            // the previous one's stream is read to its end.
            #expect(after.subtracting(before).count <= 1, "connections before: \(before.sorted()), after: \(after.sorted())")
        }
    }

    /// The client-side ports of the connections (open or closing) to `port` in the network
    /// namespace of process `pid`, from `/proc/<pid>/net/tcp`.
    static func connections(pid: Int32, port: Int) throws -> Set<Int> {
        let table = try String(contentsOfFile: "/proc/\(pid)/net/tcp", encoding: .utf8)
        var clients: Set<Int> = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 3, let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { continue }
            // The service's side (local = port) names the client's port; the client's own side
            // (remote = port) names it too, after the service's side is gone.
            if local == port, remote != 0 { clients.insert(remote) } else if remote == port { clients.insert(local) }
        }
        return clients
    }

    @Test("a thumbnail matches ffmpeg -ss T -frames:v 1 to PSNR ≥ 35 dB and is served from outputs")
    func thumbnail() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let job = try await p.finished("/api/video/thumbnail", ["key": .string(key), "timestamp": 1.3, "format": "png"])
            #expect(job["status"] == "succeeded")
            let output = try #require(job["outputs"]?.arrayValue?.first)
            #expect(output["name"] == "thumbnail")
            #expect(output["contentType"] == "image/png")
            let url = try #require(output["url"]?.stringValue)
            let response = await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            let bytes = try await response.body.bytes()
            #expect(bytes.count == output["size"]?.intValue)
            let ours = p.t.directory + "/ours.png", reference = p.t.directory + "/ref.png"
            try Data(bytes).write(to: URL(fileURLWithPath: ours))
            try FFmpegCLI.referenceFrame(input: Platform.fixtures + "/sample.mp4", timestamp: 1.3, output: reference)
            let psnr = try FFmpegCLI.psnr(ours, reference)
            print("platform thumbnail t=1.3: PSNR \(psnr) dB")
            #expect(psnr >= 35)
            // Another user cannot fetch it; the owner's key is in R2 under outputs/<job id>/.
            let other = await p.t.dispatchFetch(url, method: .get, headers: Platform.bob, body: .empty)
            #expect(other.status.code == 404)
            #expect(output["key"]?.stringValue?.hasPrefix("outputs/\(job["id"]?.stringValue ?? "")/") == true)
        }
    }

    @Test("a watermark imageKey is an upload sent with the job: its pixels land in the mark's box; a missing key is a 400 at submit")
    func imageWatermark() async throws {
        try await Platform.with { p in
            // A red 64×32 PNG with alpha, made by the ffmpeg CLI.
            let mark = p.t.directory + "/mark.png"
            try FFmpegCLI.run(["-f", "lavfi", "-i", "color=c=red:s=64x32", "-frames:v", "1", "-pix_fmt", "rgba", mark])
            let video = try await p.upload("sample.mp4")
            let image = try await p.upload(mark, contentType: "image/png")

            let (refused, error) = try await p.post("/api/video/watermark", ["key": .string(video), "imageKey": "uploads/no-such-mark.png"])
            #expect(refused == 400 && error["error"]?["message"]?.stringValue?.contains("imageKey") == true, "\(error)")

            let job = try await p.finished("/api/video/watermark", ["key": .string(video), "imageKey": .string(image),
                                                                       "position": "top-left", "margin": 10, "opacity": 1])
            #expect(job["status"] == "succeeded", "\(job)")
            let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let bytes = try await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty).body.bytes()
            let output = p.t.directory + "/marked.mp4"
            try Data(bytes).write(to: URL(fileURLWithPath: output))
            // The middle of the mark's box (10…74 × 10…42), averaged to one pixel, is red; a patch far from it is not.
            func meanColour(x: Int, y: Int) throws -> [UInt8] {
                let raw = p.t.directory + "/patch-\(x)-\(y).rgb"
                try FFmpegCLI.run(["-ss", "0.5", "-i", output, "-frames:v", "1", "-vf", "crop=16:8:\(x):\(y),scale=1:1:flags=area",
                                   "-f", "rawvideo", "-pix_fmt", "rgb24", raw])
                return Array(try Data(contentsOf: URL(fileURLWithPath: raw)))
            }
            let inside = try meanColour(x: 34, y: 22)
            #expect(inside.count == 3 && inside[0] > 200 && inside[1] < 70 && inside[2] < 70, "inside the mark: \(inside)")
            // Away from the mark, the picture is that of the same encode without a mark.
            let plainJob = try await p.finished("/api/video/process", ["key": .string(video)])
            #expect(plainJob["status"] == "succeeded", "\(plainJob)")
            let plainURL = try #require(plainJob["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let plain = p.t.directory + "/plain.mp4"
            try Data(try await p.t.dispatchFetch(plainURL, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: plain))
            // Measured against the source: the marked encode is as close to it there as the unmarked one.
            let source = p.t.directory + "/source-frame.png", unmarked = p.t.directory + "/plain-frame.png", marked = p.t.directory + "/marked-frame.png"
            let quadrant = "crop=160:120:160:120"
            try FFmpegCLI.referenceFrame(input: Platform.fixtures + "/sample.mp4", timestamp: 0.5, output: source, filter: quadrant)
            try FFmpegCLI.referenceFrame(input: plain, timestamp: 0.5, output: unmarked, filter: quadrant)
            try FFmpegCLI.referenceFrame(input: output, timestamp: 0.5, output: marked, filter: quadrant)
            let (markedPSNR, unmarkedPSNR) = (try FFmpegCLI.psnr(marked, source), try FFmpegCLI.psnr(unmarked, source))
            #expect(markedPSNR >= unmarkedPSNR - 1, "away from the mark: \(markedPSNR) dB against the source, unmarked \(unmarkedPSNR) dB")
        }
    }

    @Test("multipart upload with parameters in the query makes a JPEG thumbnail scaled with its aspect kept")
    func multipartThumbnail() async throws {
        try await Platform.with { p in
            let boundary = "pitchey-boundary-42"
            let data = try Data(contentsOf: URL(fileURLWithPath: Platform.fixtures + "/sample.mp4"))
            var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
            body.append(data)
            body.append(Data("\r\n--\(boundary)--\r\n".utf8))
            var headers = Platform.alice
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let response = await p.t.dispatchFetch("/api/video/thumbnail?timestamp=0.5&width=160&format=jpeg&wait=60", method: .post, headers: headers, body: Body(data: body))
            let job = try await p.ended(response)
            #expect(job["status"] == "succeeded", "\(job)")
            #expect(job["result"]?["width"] == 160)
            #expect(job["result"]?["height"] == 120)
            #expect(job["outputs"]?.arrayValue?.first?["contentType"] == "image/jpeg")
            #expect(job["input"]?["key"]?.stringValue?.hasSuffix("/clip.mp4") == true)
        }
    }

    @Test("a corrupt input fails the job once with a clear error, and the service stays healthy")
    func corruptInput() async throws {
        try await Platform.with { p in
            let bad = try await p.upload("random.bin", contentType: "application/octet-stream")
            let job = try await p.finished("/api/containers/video-processing/process", ["inputKey": .string(bad), "operation": "analyze"])
            #expect(job["status"] == "failed")
            #expect(job["attempts"] == 1)
            #expect(job["error"]?["code"] == "unreadable_input")
            #expect(job["error"]?["message"]?.stringValue?.isEmpty == false)
            let good = try await p.upload("sample.mp4")
            let next = try await p.finished("/api/containers/video-processing/process", ["inputKey": .string(good), "operation": "analyze"])
            #expect(next["status"] == "succeeded")
        }
    }

    @Test("GET /api/video/formats lists what the service reads")
    func formats() async throws {
        try await Platform.with { p in
            let (status, json) = try await p.get("/api/video/formats")
            #expect(status == 200)
            #expect(json.serialized().contains("h264"))
        }
    }
}
