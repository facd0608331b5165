import ServiceTesting
import Foundation
import OutpostTesting
import Testing

/// The media-transcoder's HTTP contract, against the service running in-process on a free port:
/// parameters checked before the input is read, a 422 for a file with no video, and a ladder's
/// files returned as outputs (NDJSON, base64 inline, as the platform takes them).
@Suite("Media service over HTTP", .serialized, .heavy)
struct MediaServiceHTTPTests {
    @Test func badParametersAre400BeforeTheInputIsRead() async throws {
        let service = try await InProcessService.start()
        for query in ["qualities=mobile,8k", "segmentSeconds=0", "segmentSeconds=31", "stream_name=a%2Fb"] {
            let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/hls-transcode?" + query, Data("not even media".utf8))
            #expect(reply.status == 400 && reply.errorCode == "invalid_parameter", "\(query): \(reply.status) \(reply.text)")
        }
        let chapters = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/chapters?chapters=%5B%5D", Data("x".utf8))
        #expect(chapters.status == 400, "\(chapters.text)")
        let health = try await ServiceHTTP.send("GET", service.baseURL + "/health").json()
        #expect(health["maxConcurrentJobs"] as? Int == 4)
        await service.stop()
    }

    @Test func audioOnlyUploadToHLSIsA422AndTheServiceGoesOn() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try FFmpegCLI.run(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", temp.file("tone.m4a")])
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/hls-transcode", try Data(contentsOf: URL(fileURLWithPath: temp.file("tone.m4a"))))
        #expect(reply.status == 422 && reply.errorCode == "no_video_stream", "\(reply.text)")
        let junk = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/hls-transcode", Data(repeating: 0x47, count: 10_000))
        #expect(junk.status == 422, "\(junk.text)")
        #expect(try await ServiceHTTP.send("GET", service.baseURL + "/ping").status == 200)
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }

    @Test func hlsLadderOverNDJSONReturnsEveryFileInlineWithProgress() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try MediaProbe.makeVideo(temp.file("in.mp4"), seconds: 3, size: "320x180", rate: 25)
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/hls-transcode?qualities=mobile,low&segmentSeconds=1&stream_name=demo&progress=ndjson",
                                           try Data(contentsOf: URL(fileURLWithPath: temp.file("in.mp4"))), headers: ["X-Job-Id": "job-7"])
        #expect(reply.status == 200)
        let lines = reply.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.contains { $0["type"] as? String == "progress" })
        let last = try #require(lines.last)
        #expect(last["type"] as? String == "result", "\(reply.text.suffix(400))")
        let job = try #require(last["job"] as? [String: Any])
        let outputs = try #require(job["outputs"] as? [[String: Any]])
        let names = outputs.compactMap { $0["name"] as? String }
        // 320x180 is below mobile's 240 lines: one rendition at the source size, never upscaled.
        #expect(names.first == "master" && names.contains("mobile") && !names.contains("low") && names.contains("audio") && names.contains("poster"))
        // Write the outputs as the platform stores them (name + the declared extension) and play them.
        for output in outputs {
            let type = output["contentType"] as? String ?? ""
            let ext = ["application/vnd.apple.mpegurl": ".m3u8", "video/mp2t": ".ts", "image/jpeg": ".jpg"][type] ?? ""
            let data = try #require(Data(base64Encoded: output["base64"] as? String ?? ""))
            try data.write(to: URL(fileURLWithPath: temp.file((output["name"] as? String ?? "") + ext)))
        }
        let result = try #require(job["result"] as? [String: Any])
        #expect(result["streamName"] as? String == "demo")
        let decoded = try MediaProbe.decodedDuration(temp.file("master.m3u8"))
        #expect(abs(decoded - 3) <= 0.15, "decoded \(decoded) s")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
