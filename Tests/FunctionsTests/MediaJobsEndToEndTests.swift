import Durable
import Foundation
import Functions
import HTTPTypes
import Outpost
import OutpostJSON
import OutpostTesting
import Testing

/// The whole path with the real `media-transcoder` container: upload → `POST /api/media/…` →
/// orchestrator → container → every output in R2, played back by ffmpeg from what was stored.
@Suite("Media jobs end to end", .serialized, .heavy)
struct MediaJobsEndToEndTests {
    @Test("hls-transcode stores a master playlist, its renditions, segments and poster that ffmpeg plays from R2")
    func hlsLadder() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let (status, job) = try await p.post("/api/media/hls-transcode?wait=60",
                                                 ["key": .string(key), "qualities": "mobile,high", "segmentSeconds": 1, "stream_name": "demo"])
            #expect(status == 200, "\(job)")
            #expect(job["status"] == "succeeded" && job["type"] == "media.hls-transcode", "\(job)")
            #expect(job["result"]?["streamName"] == "demo")
            let outputs = job["outputs"]?.arrayValue ?? []
            let id = job["id"]?.stringValue ?? ""
            let keys = outputs.compactMap { $0["key"]?.stringValue }
            // 320x240 fits mobile's box at its own size; high would enlarge it and is left out.
            for expected in ["master.m3u8", "mobile.m3u8", "mobile-000.ts", "audio.m3u8", "audio-000.ts", "poster.jpg"] {
                #expect(keys.contains("outputs/\(id)/\(expected)"), "\(expected) in \(keys)")
            }
            #expect(!keys.contains { $0.contains("high") })
            // Fetch every stored output as the owner and play the master playlist from the copies.
            let directory = p.t.directory + "/stream"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for output in outputs {
                let url = try #require(output["url"]?.stringValue), key = try #require(output["key"]?.stringValue)
                let response = await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty)
                #expect(response.status == .ok)
                try Data(try await response.body.bytes()).write(to: URL(fileURLWithPath: directory + "/" + (key as NSString).lastPathComponent))
            }
            let report = try FFmpegCLI.run(["-v", "error", "-stats", "-xerror", "-i", directory + "/master.m3u8", "-f", "null", "-"])
            let time = report.components(separatedBy: "time=").last?.prefix { $0.isNumber || $0 == ":" || $0 == "." } ?? ""
            let seconds = time.split(separator: ":").compactMap { Double($0) }.reduce(0) { $0 * 60 + $1 }
            #expect(abs(seconds - 2) <= 0.15, "ffmpeg decoded \(seconds) s of the 2 s source")
        }
    }

    @Test("an unknown quality or segment length is a 400 at submit; an upload without video fails with 422, not retried")
    func badInput() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let (unknown, body) = try await p.post("/api/media/hls-transcode", ["key": .string(key), "qualities": "mobile,8k"])
            #expect(unknown == 400, "\(body)")
            let (short, _) = try await p.post("/api/media/hls-transcode", ["key": .string(key), "segmentSeconds": 0.2])
            #expect(short == 400)
            let tone = p.t.directory + "/tone.m4a"
            try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", tone])
            let audioKey = try await p.upload(tone, contentType: "audio/mp4")
            let (status, job) = try await p.post("/api/media/hls-transcode?wait=60", ["key": .string(audioKey)])
            #expect(status == 200, "\(job)")
            #expect(job["status"] == "failed" && job["attempts"] == 1, "\(job)")
            #expect(job["error"]?["code"] == "no_video_stream", "\(job)")
        }
    }
}
