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
            let job = try await p.finished("/api/media/hls-transcode",
                                           ["key": .string(key), "qualities": "mobile,high", "segmentSeconds": 1, "stream_name": "demo"])
            #expect(job["status"] == "succeeded" && job["type"] == "media.hls-transcode", "\(job)")
            #expect(job["result"]?["streamName"] == "demo")
            let outputs = job["outputs"]?.arrayValue ?? []
            let id = job["id"]?.stringValue ?? ""
            let keys = outputs.compactMap { $0["key"]?.stringValue }
            // 320x240 fits mobile's box at its own size; high would enlarge it and is left out.
            for expected in ["master.m3u8", "mobile.m3u8", "mobile-000.ts", "audio.m3u8", "audio-000.ts", "poster.jpg"] {
                #expect(keys.contains("streams/demo/\(expected)"), "\(expected) in \(keys)")
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

            // The stream plays by its name, and the job's record names it.
            #expect(job["stream"] == "demo" && id != "demo", "\(job)")
            let byName = await p.t.dispatchFetch("/streams/demo/master.m3u8", method: .get, headers: Platform.alice, body: .empty)
            let byNameText = try await byName.body.text()
            #expect(byName.status == .ok && byNameText.contains("mobile.m3u8"), "\(byNameText)")
            // The name is taken: another user (or the same) cannot store a stream under it; a name
            // that is not one path segment is a 400. Neither stores a job.
            let bobsKey = try await p.upload("sample.mp4", as: Platform.bob)
            let (taken, refusal) = try await p.post("/api/media/hls-transcode", ["key": .string(bobsKey), "stream_name": "demo"], as: Platform.bob)
            #expect(taken == 409 && refusal["error"]?["code"] == "stream_name_taken", "\(refusal)")
            let (again, _) = try await p.post("/api/media/dash", ["key": .string(key), "stream_name": "demo"])
            #expect(again == 409)
            let (bad, badBody) = try await p.post("/api/media/hls-transcode", ["key": .string(key), "stream_name": "../demo"])
            #expect(bad == 400 && badBody["error"]?["message"]?.stringValue?.contains("stream_name") == true, "\(badBody)")
            let (_, jobs) = try await p.get("/api/containers/jobs")
            #expect(jobs["jobs"]?.arrayValue?.count == 1, "\(jobs)")
            let stored = try await p.t.env.r2("MEDIA").list(R2ListOptions(prefix: "streams/demo/"))
            #expect(Set(stored.objects.map(\.key)) == Set(keys), "\(stored.objects.map(\.key))")
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
            let job = try await p.finished("/api/media/hls-transcode", ["key": .string(audioKey)])
            #expect(job["status"] == "failed" && job["attempts"] == 1, "\(job)")
            #expect(job["error"]?["code"] == "no_video_stream", "\(job)")
        }
    }

    @Test("segments are stored, listed and play while a long ladder still runs; the end leaves VOD playlists; a cancel leaves nothing")
    func segmentsBeforeTheEnd() async throws {
        try await Platform.with { p in
            let clip = p.t.directory + "/long.mp4"
            try FFmpegCLI.run(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=30", "-f", "lavfi", "-i", "sine=duration=30",
                               "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-shortest", clip])
            let key = try await p.upload(clip)
            let params: JSONValue = ["key": .string(key), "qualities": "mobile,low", "segmentSeconds": 1]

            let (status, submitted) = try await p.post("/api/media/hls-transcode", params)
            #expect(status == 202, "\(submitted)")
            let id = try #require(submitted["id"]?.stringValue)
            // The orchestrator's own record says the job is running and lists the first segments.
            let running = try await Self.firstState(of: id, in: p) { $0.status == .running && Self.names($0).isSuperset(of: ["master.m3u8", "mobile-000.ts", "low-000.ts"]) }
            #expect(running.status == .running, "the job ended before a segment was stored: \(Self.names(running))")
            // A player reads them through the playback route: ffprobe sees the segment and the master lists the renditions.
            let segment = p.t.directory + "/mobile-000.ts"
            let fetched = await p.t.dispatchFetch("/streams/\(id)/mobile-000.ts", method: .get, headers: Platform.alice, body: .empty)
            #expect(fetched.status == .ok)
            try Data(try await fetched.body.bytes()).write(to: URL(fileURLWithPath: segment))
            let probe = try MediaProbe.probe(segment).video
            #expect(probe?.codec == "h264" && probe?.height == 240, "\(String(describing: probe))")
            let master = await p.t.dispatchFetch("/streams/\(id)/master.m3u8", method: .get, headers: Platform.alice, body: .empty)
            let masterText = String(decoding: try await master.body.bytes(), as: UTF8.self)
            #expect(masterText.contains("mobile.m3u8") && masterText.contains("low.m3u8"), "\(masterText)")

            // The end: each output once, VOD media playlists, and the whole 30 s plays from R2.
            let done = try await p.waitForJob(id)
            #expect(done["status"] == "succeeded", "\(done)")
            let names = (done["outputs"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
            #expect(names.count == Set(names).count, "an output is listed twice: \(names)")
            #expect(names.contains("streams/\(id)/mobile-029.ts") && names.contains("streams/\(id)/poster.jpg"), "\(names)")
            let directory = p.t.directory + "/stream"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for name in names {
                let object = try #require(try await p.t.env.r2("MEDIA").get(name), "\(name) is not stored")
                try Data(try await object.bytes()).write(to: URL(fileURLWithPath: directory + "/" + (name as NSString).lastPathComponent))
            }
            let mobile = try String(contentsOfFile: directory + "/mobile.m3u8", encoding: .utf8)
            #expect(mobile.contains("#EXT-X-PLAYLIST-TYPE:VOD") && mobile.contains("#EXT-X-ENDLIST"), "\(mobile)")
            let report = try FFmpegCLI.run(["-v", "error", "-stats", "-xerror", "-i", directory + "/master.m3u8", "-f", "null", "-"])
            let time = report.components(separatedBy: "time=").last?.prefix { $0.isNumber || $0 == ":" || $0 == "." } ?? ""
            let seconds = time.split(separator: ":").compactMap { Double($0) }.reduce(0) { $0 * 60 + $1 }
            #expect(abs(seconds - 30) <= 0.15, "ffmpeg decoded \(seconds) s of the 30 s source")

            // A cancel after the first segments were stored leaves none of them in R2.
            let (again, second) = try await p.post("/api/media/hls-transcode", params)
            #expect(again == 202)
            let other = try #require(second["id"]?.stringValue)
            let started = try await Self.firstState(of: other, in: p) { $0.status == .running && Self.names($0).contains("mobile-000.ts") }
            #expect(started.status == .running, "the job ended before a segment was stored")
            let cancelled = await p.t.dispatchFetch("/api/containers/jobs/\(other)", method: .delete, headers: Platform.alice, body: .empty)
            #expect(cancelled.status == .ok)
            let left = try await p.t.env.r2("MEDIA").list(R2ListOptions(prefix: "streams/\(other)/"))
            #expect(left.objects.map(\.key) == [], "a cancelled job left outputs")
            let record = try await p.get("/api/containers/jobs/\(other)")
            #expect(record.1["status"] == "cancelled" && record.1["outputs"]?.arrayValue?.isEmpty == true, "\(record.1)")
        }
    }

    @Test("dash stores its init and media segments and the growing MPD while it runs; the end leaves a static MPD that ffmpeg plays")
    func dashSegmentsBeforeTheEnd() async throws {
        try await Platform.with { p in
            let clip = p.t.directory + "/long.mp4"
            try FFmpegCLI.run(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=30", "-f", "lavfi", "-i", "sine=duration=30",
                               "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-shortest", clip])
            let key = try await p.upload(clip)
            let (status, submitted) = try await p.post("/api/media/dash", ["key": .string(key), "qualities": "mobile,low", "segmentSeconds": 1])
            #expect(status == 202, "\(submitted)")
            let id = try #require(submitted["id"]?.stringValue)
            // The orchestrator's record lists the MPD and the first segments of both renditions while the job runs.
            let running = try await Self.firstState(of: id, in: p) {
                $0.status == .running && Self.names($0).isSuperset(of: ["manifest.mpd", "init-0.m4s", "chunk-0-00001.m4s", "init-1.m4s", "chunk-1-00001.m4s"])
            }
            #expect(running.status == .running, "the job ended before a segment was stored: \(Self.names(running))")
            #expect(running.outputs.allSatisfy { $0.key.hasPrefix("streams/\(id)/") }, "\(running.outputs.map(\.key))")
            // Through the playback route: the init and first media segment of mobile are a fragmented MP4 ffprobe reads.
            var bytes: [UInt8] = []
            for file in ["init-0.m4s", "chunk-0-00001.m4s"] {
                let fetched = await p.t.dispatchFetch("/streams/\(id)/\(file)", method: .get, headers: Platform.alice, body: .empty)
                #expect(fetched.status == .ok && fetched.headers[.contentType] == "video/iso.segment")
                bytes += try await fetched.body.bytes()
            }
            let segment = p.t.directory + "/first.mp4"
            try Data(bytes).write(to: URL(fileURLWithPath: segment))
            let probe = try MediaProbe.probe(segment).video
            // One adaptation set needs one exact aspect ratio: mobile is 416x234 (16:9).
            #expect(probe?.codec == "h264" && probe?.height == 234, "\(String(describing: probe))")
            let early = await p.t.dispatchFetch("/streams/\(id)/manifest.mpd", method: .get, headers: Platform.alice, body: .empty)
            let earlyText = try await early.body.text()
            #expect(earlyText.contains("<MPD") && earlyText.contains("SegmentTimeline"), "\(earlyText)")

            // The end: each output once, all under streams/<id>/, a static MPD, and the whole 30 s plays from R2.
            let done = try await p.waitForJob(id)
            #expect(done["status"] == "succeeded", "\(done)")
            let keys = (done["outputs"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
            #expect(keys.count == Set(keys).count, "an output is listed twice: \(keys)")
            #expect(keys.allSatisfy { $0.hasPrefix("streams/\(id)/") } && keys.contains("streams/\(id)/chunk-0-00030.m4s"), "\(keys)")
            let directory = p.t.directory + "/dash"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for key in keys {
                let object = try #require(try await p.t.env.r2("MEDIA").get(key), "\(key) is not stored")
                try Data(try await object.bytes()).write(to: URL(fileURLWithPath: directory + "/" + (key as NSString).lastPathComponent))
            }
            let manifest = try String(contentsOfFile: directory + "/manifest.mpd", encoding: .utf8)
            #expect(manifest.contains("type=\"static\""), "\(manifest)")
            let seconds = try MediaProbe.decodedDuration(directory + "/manifest.mpd")
            #expect(abs(seconds - 30) <= 0.15, "ffmpeg decoded \(seconds) s of the 30 s source from the MPD")
        }
    }

    /// The file names of a job's stored outputs.
    private static func names(_ job: JobRecord) -> Set<String> {
        Set(job.outputs.map { ($0.key as NSString).lastPathComponent })
    }

    /// The first state of job `id` (watched as the orchestrator publishes each change) that meets
    /// `condition`, or its terminal state if none did.
    private static func firstState(of id: String, in p: Platform, _ condition: @escaping @Sendable (JobRecord) -> Bool) async throws -> JobRecord {
        let (first, updates) = try await PlatformBindings.orchestrator(p.t.env).call(ContainerOrchestrator.self) { try await $0.watch(id: id, owner: nil) }
        if condition(first) { return first }
        var last = first
        for await update in updates ?? AsyncStream { $0.finish() } {
            last = update
            if condition(update) { return update }
        }
        return last
    }
}
