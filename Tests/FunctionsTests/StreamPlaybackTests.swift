import Durable
import Foundation
@testable import Functions
import HTTPTypes
import Outpost
import OutpostJSON
import OutpostTesting
import Testing

/// `GET /streams/{id}/…` with a token and no headers (as a player loads it), the stream list and
/// the failures: no auth, an expired token, a token for another stream, a range past the end.
@Suite("Media stream playback", .serialized)
struct StreamPlaybackTests {
    static let secret = "test-stream-secret"

    @Test("a token plays the stream without headers: tokened playlists, immutable segments, ranges")
    func playbackWithAToken() async throws {
        try await Platform.with(vars: ["STREAM_TOKEN_SECRET": Self.secret]) { p in
            let key = try await p.upload("sample.mp4")
            let job = try await p.finished("/api/media/hls-transcode", ["key": .string(key), "qualities": "mobile", "segmentSeconds": 1])
            let id = try #require(job["id"]?.stringValue, "\(job)")
            try #require(job["status"] == "succeeded", "\(job)")

            let (listed, list) = try await p.get("/api/media/streams")
            #expect(listed == 200)
            let entry = try #require(list["streams"]?.arrayValue?.first { $0["id"]?.stringValue == id })
            #expect(entry["playbackUrl"] == .string("/streams/\(id)/master.m3u8") && entry["status"] == "succeeded")
            #expect(entry["renditions"]?.arrayValue?.count == 1 && (entry["duration"]?.doubleValue ?? 0) > 1.9)
            let (others, otherList) = try await p.get("/api/media/streams", as: Platform.bob)
            #expect(others == 200 && otherList["streams"]?.arrayValue?.contains { $0["id"]?.stringValue == id } == false)

            let (issued, grant) = try await p.get("/api/media/streams/\(id)/token")
            #expect(issued == 200)
            let url = try #require(grant["url"]?.stringValue)
            let token = try #require(grant["token"]?.stringValue)
            // The master playlist with no headers at all: every URI carries the token.
            let master = await p.t.dispatchFetch(url, method: .get, headers: [:], body: .empty)
            #expect(master.status == .ok && master.headers[.contentType] == "application/vnd.apple.mpegurl" && master.headers[.cacheControl] == "no-cache")
            let text = try await master.body.text()
            #expect(text.contains("mobile.m3u8?token=\(token)") && text.contains("URI=\"audio.m3u8?token=\(token)\""), "\(text)")
            let media = await p.t.dispatchFetch("/streams/\(id)/mobile.m3u8?token=\(token)", method: .get, headers: [:], body: .empty)
            let segmentLine = try #require(try await media.body.text().split(separator: "\n").first { !$0.hasPrefix("#") })
            #expect(segmentLine == "mobile-000.ts?token=\(token)")
            let segment = await p.t.dispatchFetch("/streams/\(id)/\(segmentLine)", method: .get, headers: [:], body: .empty)
            #expect(segment.status == .ok && segment.headers[.contentType] == "video/mp2t")
            #expect(segment.headers[.cacheControl]?.contains("immutable") == true)
            let whole = try await segment.body.bytes()
            #expect(whole.first == 0x47, "an MPEG-TS packet starts with 0x47")
            var rangeHeaders = HTTPFields()
            rangeHeaders[.range] = "bytes=188-375"
            let part = await p.t.dispatchFetch("/streams/\(id)/\(segmentLine)", method: .get, headers: rangeHeaders, body: .empty)
            #expect(part.status.code == 206 && part.headers[.contentRange] == "bytes 188-375/\(whole.count)")
            #expect(try await part.body.bytes() == Array(whole[188...375]))
            rangeHeaders[.range] = "bytes=\(whole.count)-"
            let past = await p.t.dispatchFetch("/streams/\(id)/\(segmentLine)", method: .get, headers: rangeHeaders, body: .empty)
            #expect(past.status.code == 416)
            // The owner's own auth plays it too; without either, 401.
            let owned = await p.t.dispatchFetch("/streams/\(id)/poster.jpg", method: .get, headers: Platform.alice, body: .empty)
            #expect(owned.status == .ok && owned.headers[.contentType] == "image/jpeg")
            let anonymous = await p.t.dispatchFetch("/streams/\(id)/master.m3u8", method: .get, headers: [:], body: .empty)
            #expect(anonymous.status.code == 401)
            let notOwner = await p.t.dispatchFetch("/streams/\(id)/master.m3u8", method: .get, headers: Platform.bob, body: .empty)
            #expect(notOwner.status.code == 404)
            // An expired token, or one for another stream: 403.
            let expired = StreamRoutes.StreamToken.sign(stream: id, expires: Int64(Date().timeIntervalSince1970) - 5, secret: Self.secret)
            let late = await p.t.dispatchFetch("/streams/\(id)/master.m3u8?token=\(expired)", method: .get, headers: [:], body: .empty)
            #expect(late.status.code == 403)
            let other = StreamRoutes.StreamToken.sign(stream: "another", expires: Int64(Date().timeIntervalSince1970) + 600, secret: Self.secret)
            let wrong = await p.t.dispatchFetch("/streams/\(id)/master.m3u8?token=\(other)", method: .get, headers: [:], body: .empty)
            #expect(wrong.status.code == 403)

            // ffmpeg, a player with no headers of ours, plays the whole stream over HTTP from the token URL.
            let socket = try await WorkerSocket.start(p.t)
            let played = Result { try FFmpegCLI.run(["-v", "error", "-stats", "-xerror", "-i", socket.baseURL + url, "-f", "null", "-"]) }
            await socket.stop()
            let report = try played.get()
            let time = report.components(separatedBy: "time=").last?.prefix { $0.isNumber || $0 == ":" || $0 == "." } ?? ""
            let seconds = time.split(separator: ":").compactMap { Double($0) }.reduce(0) { $0 * 60 + $1 }
            #expect(abs(seconds - 2) <= 0.15, "ffmpeg played \(seconds) s over HTTP")
        }
    }

    @Test("a token plays the DASH manifest without headers: its segment templates carry the token")
    func dashWithAToken() async throws {
        try await Platform.with(vars: ["STREAM_TOKEN_SECRET": Self.secret]) { p in
            let key = try await p.upload("sample.mp4")
            let (_, submitted) = try await p.post("/api/media/dash", ["key": .string(key), "qualities": "mobile", "segmentSeconds": 1, "stream_name": "pitch-dash"])
            let id = try #require(submitted["id"]?.stringValue, "\(submitted)")
            let job = try await p.waitForJob(id, timeout: 300)
            try #require(job["status"] == "succeeded", "\(job)")
            #expect(job["outputs"]?.arrayValue?.allSatisfy { $0["key"]?.stringValue?.hasPrefix("streams/pitch-dash/") == true } == true, "\(job)")

            let (issued, grant) = try await p.get("/api/media/streams/pitch-dash/token")
            #expect(issued == 200 && grant["stream"] == "pitch-dash")
            let url = try #require(grant["url"]?.stringValue)
            let token = try #require(grant["token"]?.stringValue)
            #expect(url == "/streams/pitch-dash/manifest.mpd?token=\(token)")
            let manifest = await p.t.dispatchFetch(url, method: .get, headers: [:], body: .empty)
            #expect(manifest.status == .ok && manifest.headers[.contentType] == "application/dash+xml" && manifest.headers[.cacheControl] == "no-cache")
            let text = try await manifest.body.text()
            #expect(text.contains("initialization=\"init-$RepresentationID$.m4s?token=\(token)\"")
                    && text.contains("media=\"chunk-$RepresentationID$-$Number%05d$.m4s?token=\(token)\""), "\(text)")
            // Without the token the same manifest is as stored, and needs the owner's auth.
            let stored = await p.t.dispatchFetch("/streams/pitch-dash/manifest.mpd", method: .get, headers: Platform.alice, body: .empty)
            let storedText = try await stored.body.text()
            #expect(stored.status == .ok && !storedText.contains("token="))
            let anonymous = await p.t.dispatchFetch("/streams/pitch-dash/init-0.m4s", method: .get, headers: [:], body: .empty)
            #expect(anonymous.status.code == 401)

            // ffprobe and ffmpeg, players with no headers of ours, read the MPD over HTTP from the token URL.
            let socket = try await WorkerSocket.start(p.t)
            let probed = Result { try MediaProbe.probe(socket.baseURL + url) }
            let played = Result { try MediaProbe.decodedDuration(socket.baseURL + url) }
            await socket.stop()
            let probe = try probed.get()
            #expect(probe.video?.codec == "h264" && probe.video?.height == 240 && probe.audio?.codec == "aac", "\(probe.streams)")
            let seconds = try played.get()
            #expect(abs(seconds - 2) <= 0.15, "ffmpeg decoded \(seconds) s of the DASH stream over HTTP")
        }
    }

    @Test("the MPD's relative segment URLs get the token; directory BaseURLs and absolute URLs do not")
    func manifestTokenRewrite() {
        let mpd = """
            <MPD><BaseURL>./</BaseURL><Period><AdaptationSet>
            <Representation id="0"><BaseURL>video.mp4</BaseURL><SegmentBase><Initialization sourceURL="init.mp4?v=2"/></SegmentBase></Representation>
            <Representation id="1"><SegmentList><SegmentURL media="seg-1.m4s"/><SegmentURL media="https://cdn.example/seg-2.m4s"/></SegmentList></Representation>
            </AdaptationSet></Period></MPD>
            """
        let out = StreamRoutes.manifestWithToken(mpd, "9.ab")
        #expect(out.contains("<BaseURL>./</BaseURL>") && out.contains("<BaseURL>video.mp4?token=9.ab</BaseURL>"), "\(out)")
        #expect(out.contains("sourceURL=\"init.mp4?v=2&amp;token=9.ab\"") && out.contains("media=\"seg-1.m4s?token=9.ab\""), "\(out)")
        #expect(out.contains("media=\"https://cdn.example/seg-2.m4s\""), "\(out)")
    }
}
