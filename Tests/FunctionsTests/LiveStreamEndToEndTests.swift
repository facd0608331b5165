import Durable
import Foundation
@testable import Functions
import HTTPTypes
import Outpost
import OutpostJSON
import OutpostTesting
import Testing

/// `live-stream` through the whole platform with the real `media-transcoder` container: create
/// → a real `ffmpeg` publisher POSTs MPEG-TS to the ingest URL on the Worker (behind a socket)
/// → the Worker streams it to the job's instance → the live playlist, read through
/// `GET /streams/{id}/…` with the playback token as a player does, grows while it publishes →
/// after the publisher ends, VOD with ENDLIST that ffmpeg plays whole. And the ingest's failures:
/// a wrong key (403), a second publisher (409), an ended stream (404).
@Suite("Live stream end to end", .serialized, .heavy)
struct LiveStreamEndToEndTests {
    @Test("a publisher's stream plays live through the playback route and stays as VOD")
    func publishAndWatch() async throws {
        try await Platform.with(vars: ["STREAM_TOKEN_SECRET": "live-test-secret"]) { p in
            let clip = p.t.directory + "/live.mp4"
            try MediaProbe.makeVideo(clip, seconds: 8, size: "640x360", rate: 25)
            let (status, created) = try await p.post("/api/media/live-stream", ["qualities": "mobile,low", "segmentSeconds": 1, "stream_name": "demo", "stallSeconds": 120])
            #expect(status == 202, "\(created)")
            let id = try #require(created["id"]?.stringValue, "\(created)")
            let ingest = try #require(created["ingestUrl"]?.stringValue)
            let playback = try #require(created["playbackUrl"]?.stringValue)
            // Viewers find it by its name; the publisher by its job.
            let stream = "demo"
            #expect(ingest.hasPrefix("/api/media/live/\(id)/ingest?key=") && playback.hasPrefix("/streams/\(stream)/master.m3u8?token="))
            let token = String(playback.split(separator: "=").last ?? "")

            // A wrong key is refused before anything reaches the service.
            let wrong = await p.t.dispatchFetch("/api/media/live/\(id)/ingest?key=00", method: .post, headers: [:], body: Body(bytes: [0x47]))
            #expect(wrong.status.code == 403)

            let socket = try await WorkerSocket.start(p.t)
            // The publisher reads the clip from a pipe the test holds open, so it stays connected
            // until the test has tried a second publisher (on a loaded machine the transcode can
            // run behind a publisher that has already sent everything).
            let clipTS = p.t.directory + "/live.ts"
            _ = try FFmpegCLI.run(["-v", "error", "-i", clip, "-c", "copy", "-f", "mpegts", clipTS])
            let feed = Pipe()
            let publisher = ChildProcess()
            publisher.executableURL = URL(fileURLWithPath: FFmpegCLI.executable)
            publisher.arguments = ["-v", "error", "-re", "-f", "mpegts", "-i", "pipe:0", "-c", "copy", "-f", "mpegts", "-method", "POST", socket.baseURL + ingest]
            publisher.standardInput = feed
            publisher.standardOutput = FileHandle.nullDevice
            publisher.standardError = FileHandle.nullDevice
            try publisher.run()
            let clipBytes = try Data(contentsOf: URL(fileURLWithPath: clipTS))
            let feeding = Task { try await offPool { try feed.fileHandleForWriting.write(contentsOf: clipBytes) } }
            // Ends the publisher's input once all of it is written: its body then ends.
            func endFeed() async {
                try? await feeding.value
                try? feed.fileHandleForWriting.close()
            }

            // As a player: read the media playlist with the token (no headers) while the stream is
            // live: until the playlist ends (the transcode may run behind the publisher on a loaded
            // machine, so this follows the playlist, not the publisher).
            var live: [String] = []
            var second: Int?
            while true {
                let media = await p.t.dispatchFetch("/streams/\(stream)/mobile.m3u8?token=\(token)", method: .get, headers: [:], body: .empty)
                if media.status == .ok {
                    let text = try await media.body.text()
                    if text.contains("#EXT-X-ENDLIST") { break }
                    if live.last != text { live.append(text) }
                    if second == nil {
                        // The first publisher is connected (its input is still open): a second is refused.
                        let again = await p.t.dispatchFetch(ingest, method: .post, headers: [:], body: Body(bytes: [UInt8](repeating: 0x47, count: 188)))
                        second = Int(again.status.code)
                        await endFeed()
                    }
                }
                // A job that ended without a final playlist ends the watch (the checks below say why).
                let (_, state) = try await p.get("/api/containers/jobs/\(id)")
                if let status = state["status"]?.stringValue, JobStatus(rawValue: status)?.isTerminal == true, status != "succeeded" { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            if second == nil { await endFeed() }
            // The job ends with the ingest. Had it ended any other way, the publisher would never be
            // told: it is stopped then, so the checks below fail instead of this test hanging.
            let done = try await p.waitForJob(id, timeout: 120)
            if done["result"]?["ending"] != "publisher-ended" { publisher.signal(SIGTERM) }
            let published = try await offPool { publisher.waitUntilExit(); return publisher.terminationStatus }
            #expect(published == 0, "the publisher's POST through the Worker failed")
            #expect(second == 409, "a second publisher got \(String(describing: second))")
            let counts = live.map { $0.split(separator: "\n").filter { $0.hasPrefix("#EXTINF") }.count }
            #expect(live.count >= 2, "the live playlist changed \(live.count) times while live: \(counts)")
            #expect(!live.contains { $0.contains("#EXT-X-ENDLIST") }, "\(live.last ?? "")")
            #expect(live.allSatisfy { $0.contains("mobile-") && $0.contains("?token=\(token)") })

            // The end: the job succeeds; the same URL now plays the whole recording as VOD.
            #expect(done["status"] == "succeeded" && done["result"]?["ending"] == "publisher-ended", "\(done)")
            let final = await p.t.dispatchFetch("/streams/\(stream)/mobile.m3u8?token=\(token)", method: .get, headers: [:], body: .empty)
            let finalText = try await final.body.text()
            #expect(finalText.contains("#EXT-X-ENDLIST") && finalText.contains("mobile-000.ts"), "\(finalText)")
            let segment = p.t.directory + "/low-002.ts"
            let fetched = await p.t.dispatchFetch("/streams/\(stream)/low-002.ts?token=\(token)", method: .get, headers: [:], body: .empty)
            try Data(try await fetched.body.bytes()).write(to: URL(fileURLWithPath: segment))
            let stored = try await p.t.env.r2("MEDIA").list(R2ListOptions(prefix: "streams/\(stream)/"))
            #expect(stored.objects.contains { $0.key == "streams/\(stream)/mobile-000.ts" } && stored.objects.contains { $0.key == "streams/\(stream)/master.m3u8" },
                    "\(stored.objects.map(\.key))")
            let probe = try MediaProbe.probe(segment).video
            #expect(probe?.codec == "h264" && probe?.width == 640 && probe?.height == 360, "\(String(describing: probe))")
            let played = Result { try FFmpegCLI.run(["-v", "error", "-stats", "-xerror", "-i", socket.baseURL + playback, "-f", "null", "-"]) }
            let late = await p.t.dispatchFetch(ingest, method: .post, headers: [:], body: Body(bytes: [UInt8](repeating: 0x47, count: 188)))
            await socket.stop()
            let report = try played.get()
            let time = report.components(separatedBy: "time=").last?.prefix { $0.isNumber || $0 == ":" || $0 == "." } ?? ""
            let seconds = time.split(separator: ":").compactMap { Double($0) }.reduce(0) { $0 * 60 + $1 }
            #expect(abs(seconds - 8) <= 0.5, "ffmpeg played \(seconds) s of the 8 s stream")
            #expect(late.status.code == 404, "an ended stream's ingest answered \(late.status.code)")
        }
    }
}
