import ServiceTesting
import Foundation
import OutpostTesting
import Testing

/// The video-processor's HTTP contract, against the service running in-process on a free port.
@Suite("Video service over HTTP")
struct VideoServiceHTTPTests {
    @Test func pingAndHealthAnswer() async throws {
        let service = try await InProcessService.start()
        let ping = try await ServiceHTTP.send("GET", service.baseURL + "/ping")
        #expect(ping.status == 200 && ping.text == "pong")
        let health = try await ServiceHTTP.send("GET", service.baseURL + "/health").json()
        #expect(health["status"] as? String == "ok")
        #expect(health["maxConcurrentJobs"] as? Int == 3)
        #expect(health["jobsInFlight"] as? Int == 0)
        await service.stop()
    }

    @Test func analyzeARawBody() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/analyze", try Fixtures.data("sample.mp4"), headers: ["X-Job-Id": "job-1"])
        #expect(reply.status == 200, "\(reply.text)")
        let body = try reply.json()
        #expect(body["jobId"] as? String == "job-1")
        #expect(body["operation"] as? String == "analyze")
        let result = try #require(body["result"] as? [String: Any])
        let format = try #require(result["format"] as? [String: Any])
        #expect(abs((format["duration"] as? Double ?? 0) - 2.0) < 0.05)
        let streams = try #require(result["streams"] as? [[String: Any]])
        #expect(streams.map { $0["codec"] as? String } == ["h264", "aac"])
        #expect(streams[0]["width"] as? Int == 320 && streams[0]["height"] as? Int == 240)
        #expect(streams[0]["frameRate"] as? Double == 25)
        #expect(streams[1]["sampleRate"] as? Int == 48000)
        // The scratch copy of the input is gone once the job has answered.
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }

    /// The runtime's way (`X-Output-Delivery: pull`): outputs wait as files in the service's
    /// outbox, are read with `GET` as they are (ffprobe checks the bytes), and `DELETE` lets them go.
    @Test func pulledOutputsWaitInTheOutboxUntilTheRuntimeLetsThemGo() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/process?outputFormat=mp4&quality=low", try Fixtures.data("sample.mp4"),
                                                  headers: ["X-Job-Id": "job/../../pulled", "X-Output-Delivery": "pull"])
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let output = try #require((try reply.json()["outputs"] as? [[String: Any]])?.first)
        #expect(output["base64"] == nil)
        let pull = try #require(output["pull"] as? String)
        // The job id cannot name a path outside the outbox.
        #expect(pull.hasPrefix("/outputs/job_______pulled/"), "\(pull)")
        #expect(service.scratch.contents() == ["outbox"])

        let pulled = try await ServiceHTTP.send("GET", service.baseURL + pull)
        #expect(pulled.status == 200)
        #expect(pulled.body.count == output["size"] as? Int)
        let file = try temp.write("pulled.mp4", Array(pulled.body))
        let probe = try MediaProbe.probe(file)
        #expect(probe.video?.codec == "h264" && abs(probe.duration - 2.0) < 0.1, "\(probe)")

        let jobDirectory = String(pull[..<pull.lastIndex(of: "/")!])
        #expect(try await ServiceHTTP.send("DELETE", service.baseURL + jobDirectory).status == 204)
        #expect(try await ServiceHTTP.send("GET", service.baseURL + pull).status == 404)
        #expect(service.scratch.contents().isEmpty, "left: \(service.scratch.contents())")
        await service.stop()
    }

    @Test func thumbnailFromAnInputURLReturnsThePNG() async throws {
        let service = try await InProcessService.start()
        let store = try await ObjectStore.start()
        await store.put("sample.mp4", try Fixtures.data("sample.mp4"))
        let reply = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", [
            "operation": "thumbnail", "input": ["url": store.url("sample.mp4")], "params": ["timestamp": 0.5, "width": 160],
        ])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("Content-Type") == "image/png")
        #expect(Array(reply.body.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        let metadata = try JSONSerialization.jsonObject(with: Data(try #require(reply.header("X-Job-Result")).utf8)) as? [String: Any]
        let result = try #require(metadata?["result"] as? [String: Any])
        #expect(result["width"] as? Int == 160 && result["height"] as? Int == 120)
        #expect(abs((result["frameTimestamp"] as? Double ?? 0) - 0.52) < 0.001)
        #expect(service.scratch.contents().isEmpty)
        await store.stop()
        await service.stop()
    }

    @Test func thumbnailWithAnOutputURLIsStoredThere() async throws {
        let service = try await InProcessService.start()
        let store = try await ObjectStore.start()
        await store.put("sample.mp4", try Fixtures.data("sample.mp4"))
        let reply = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", [
            "id": "thumb-7", "operation": "thumbnail", "input": ["url": store.url("sample.mp4")],
            "params": ["timestamp": 1, "format": "jpeg"], "output": ["url": store.url("thumb-7.jpg")],
        ])
        #expect(reply.status == 200, "\(reply.text)")
        let body = try reply.json()
        #expect(body["jobId"] as? String == "thumb-7")
        let outputs = try #require(body["outputs"] as? [[String: Any]])
        #expect(outputs.first?["url"] as? String == store.url("thumb-7.jpg"))
        #expect(outputs.first?["contentType"] as? String == "image/jpeg")
        #expect(outputs.first?["etag"] as? String == "\"etag-thumb-7.jpg\"")
        let stored = try #require(await store.get("thumb-7.jpg"))
        #expect(stored.type == "image/jpeg")
        #expect(outputs.first?["size"] as? Int == stored.data.count)
        #expect(Array(stored.data.prefix(2)) == [0xFF, 0xD8])
        await store.stop()
        await service.stop()
    }

    @Test func progressStreamsAsNDJSONEndingWithTheResult() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(
            service.baseURL + "/jobs/thumbnail?timestamp=1.72", try Fixtures.data("sample.mp4"), headers: ["Accept": "application/x-ndjson"]
        )
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type") == "application/x-ndjson")
        let lines = try reply.text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.first?["type"] as? String == "accepted")
        let progress = lines.filter { $0["type"] as? String == "progress" }.compactMap { $0["progress"] as? Double }
        #expect(progress.count >= 3)
        #expect(progress == progress.sorted())
        #expect(lines.contains { $0["stage"] as? String == "decoding" })
        let last = try #require(lines.last)
        #expect(last["type"] as? String == "result")
        let output = try #require(((last["job"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
        let png = try #require(Data(base64Encoded: output["base64"] as? String ?? ""))
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        await service.stop()
    }

    @Test func errorsInAProgressStreamArriveAsAnErrorLine() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/analyze?progress=ndjson", try Fixtures.data("random.bin"))
        let last = try JSONSerialization.jsonObject(with: Data(reply.text.split(separator: "\n").last!.utf8)) as? [String: Any]
        #expect(last?["type"] as? String == "error")
        #expect(last?["status"] as? Int == 422)
        await service.stop()
    }

    @Test(arguments: [
        ("thumbnail?timestamp=-1", "invalid_parameter"),
        ("thumbnail?format=gif", "invalid_parameter"),
        ("thumbnail?width=9000", "invalid_parameter"),
        ("thumbnail?width=abc", "invalid_parameter"),
        ("thumbnail?timestamp=3", "invalid_parameter"),
        ("resize", "unknown_operation"),
    ])
    func badParametersAreA400(_ pathAndQuery: String, _ code: String) async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/" + pathAndQuery, try Fixtures.data("sample.mp4"))
        #expect(reply.status == 400, "\(reply.text)")
        #expect(reply.errorCode == code)
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }

    @Test func malformedJobRequestsAreA400() async throws {
        let service = try await InProcessService.start()
        let notJSON = try await ServiceHTTP.send("POST", service.baseURL + "/jobs", body: Data("{nope".utf8), headers: ["Content-Type": "application/json"])
        #expect(notJSON.status == 400 && notJSON.errorCode == "invalid_json")
        let noInput = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["operation": "analyze"])
        #expect(noInput.status == 400 && noInput.errorCode == "missing_input")
        let badURL = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["operation": "analyze", "input": ["url": "/srv/shared/file.mp4"]])
        #expect(badURL.status == 400 && badURL.errorCode == "invalid_url")
        let rawWithoutOperation = try await ServiceHTTP.postRaw(service.baseURL + "/jobs", try Fixtures.data("sample.mp4"))
        #expect(rawWithoutOperation.status == 400)
        let empty = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/analyze", Data())
        #expect(empty.status == 400 && empty.errorCode == "missing_input")
        let unknownRoute = try await ServiceHTTP.send("GET", service.baseURL + "/nope")
        #expect(unknownRoute.status == 404 && unknownRoute.errorCode == "not_found")
        await service.stop()
    }

    @Test(arguments: [("analyze", "truncated.mp4"), ("analyze", "random.bin"), ("thumbnail", "not-video.txt"), ("thumbnail", "tone.m4a")])
    func unusableInputIsA422AndTheServiceStaysHealthy(_ operation: String, _ fixture: String) async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/" + operation, try Fixtures.data(fixture))
        #expect(reply.status == 422, "\(reply.text)")
        let error = try #require(try reply.json()["error"] as? [String: Any])
        #expect((error["message"] as? String ?? "").isEmpty == false)
        #expect(service.scratch.contents().isEmpty)
        let ping = try await ServiceHTTP.send("GET", service.baseURL + "/ping")
        #expect(ping.status == 200)
        let health = try await ServiceHTTP.send("GET", service.baseURL + "/health").json()
        #expect(health["jobsFailed"] as? Int == 1)
        // And it still does real work afterwards.
        let next = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/analyze", try Fixtures.data("sample.mp4"))
        #expect(next.status == 200)
        await service.stop()
    }

    @Test func aMissingInputObjectIsA422() async throws {
        let service = try await InProcessService.start()
        let store = try await ObjectStore.start()
        let reply = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["operation": "analyze", "input": ["url": store.url("missing.mp4")]])
        #expect(reply.status == 422 && reply.errorCode == "input_unavailable")
        await store.stop()
        await service.stop()
    }

    @Test func formatsAreListed() async throws {
        let service = try await InProcessService.start()
        let formats = try await ServiceHTTP.send("GET", service.baseURL + "/formats").json()
        let input = try #require(formats["input"] as? [String: Any])
        #expect((input["videoCodecs"] as? [String])?.contains("h264") == true)
        #expect((formats["output"] as? [String: Any])?["thumbnail"] as? [String] == ["png", "jpeg", "webp"])
        await service.stop()
    }

    @Test func concurrentJobsEachGetTheirOwnFrame() async throws {
        let service = try await InProcessService.start()
        let video = try Fixtures.data("sample.mp4")
        let times = [0.0, 0.5, 1.0, 1.3, 1.72, 0.2, 0.8, 1.5]
        let replies = try await withThrowingTaskGroup(of: (Double, HTTPReply).self) { group in
            for t in times {
                group.addTask { (t, try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?timestamp=\(t)", video)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for t in times {
            let reply = try #require(replies[t])
            #expect(reply.status == 200)
            let metadata = try JSONSerialization.jsonObject(with: Data((reply.header("X-Job-Result") ?? "{}").utf8)) as? [String: Any]
            let frameTime = (metadata?["result"] as? [String: Any])?["frameTimestamp"] as? Double ?? -1
            #expect(abs(frameTime - (t * 25).rounded(.up) / 25) < 0.001, "t=\(t) gave \(frameTime)")
        }
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
