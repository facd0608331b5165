import Foundation
import OutpostTesting
import Testing

/// The real `video-processor` executable, as the runtime will start it: PORT and TMPDIR in the
/// environment, input over HTTP, SIGTERM to stop.
@Suite("Video processor end to end (real process)", .serialized)
struct VideoProcessorEndToEndTests {
    @Test func analyzeAndThumbnailOverHTTPThenSIGTERMExitsCleanly() async throws {
        let service = try ServiceProcess()
        try await service.waitUntilReady()

        let analyze = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/analyze", try Fixtures.data("sample.mp4"))
        #expect(analyze.status == 200, "\(analyze.text)")
        let result = try #require(try analyze.json()["result"] as? [String: Any])
        #expect(abs(((result["format"] as? [String: Any])?["duration"] as? Double ?? 0) - 2.0) < 0.05)
        let streams = result["streams"] as? [[String: Any]] ?? []
        #expect(streams.map { $0["codec"] as? String } == ["h264", "aac"])

        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let thumbnail = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail?timestamp=1.3", try Fixtures.data("sample.mp4"))
        #expect(thumbnail.status == 200)
        try thumbnail.body.write(to: URL(fileURLWithPath: temp.file("ours.png")))
        try FFmpegCLI.referenceFrame(input: Fixtures.path("sample.mp4"), timestamp: 1.3, output: temp.file("ref.png"))
        let psnr = try FFmpegCLI.psnr(temp.file("ours.png"), temp.file("ref.png"))
        print("end-to-end thumbnail t=1.3: PSNR \(psnr) dB")
        #expect(psnr >= 35)

        let corrupt = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/thumbnail", try Fixtures.data("truncated.mp4"))
        #expect(corrupt.status == 422)
        #expect(try await ServiceHTTP.send("GET", service.baseURL + "/ping").status == 200)

        // Logs are JSON lines on stdout.
        let records = service.log.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let listening = try #require(records.first { $0["message"] as? String == "listening" }, "log: \(service.log)")
        #expect(listening["service"] as? String == "video-processor")
        #expect(listening["port"] as? String == String(service.port))
        #expect(records.contains { $0["message"] as? String == "job failed" && $0["status"] as? String == "422" })

        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
        #expect(service.scratch.contents().isEmpty, "scratch files left: \(service.scratch.contents())")
    }

    @Test func sigtermLetsAnInFlightJobFinish() async throws {
        let service = try ServiceProcess()
        try await service.waitUntilReady()
        let store = try await ObjectStore.start()
        await store.put("sample.mp4", try Fixtures.data("sample.mp4"))

        // The input URL holds its answer until the gate opens, so the job is in flight.
        let job = Task {
            try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["operation": "analyze", "input": ["url": store.gatedURL("sample.mp4")]])
        }
        let deadline = ContinuousClock.now + HangGuard.duration
        while (try? await ServiceHTTP.send("GET", service.baseURL + "/health").json()["jobsInFlight"] as? Int) != 1 {
            guard ContinuousClock.now < deadline else { throw TestFailure("job never started") }
            try await Task.sleep(for: .milliseconds(10))
        }
        service.signal(SIGTERM)
        // Shutdown has begun, with the job in flight; the process stays until the job is done.
        try await service.waitForLog(#""jobsInFlight":"1","level":"info","message":"draining""#)
        #expect(service.process.isRunning)
        await store.openGate()

        let reply = try await job.value
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try await service.waitForExit() == 0)
        #expect(service.log.contains("\"message\":\"stopped\""))
        await store.stop()
    }

    /// FFmpeg contexts, frames, packets and scratch files are released on every path: the
    /// service's memory stays flat over hundreds of successful and failing jobs.
    @Test func memoryStaysFlatOverManyJobsIncludingFailures() async throws {
        let service = try ServiceProcess()
        try await service.waitUntilReady()
        let inputs = try [
            ("thumbnail?timestamp=1.3", Fixtures.data("sample.mp4"), 200),
            ("thumbnail?timestamp=0.5&format=jpeg&width=640", Fixtures.data("sample.mp4"), 200),
            ("analyze", Fixtures.data("sample.mp4"), 200),
            ("thumbnail", Fixtures.data("truncated.mp4"), 422),
            ("thumbnail", Fixtures.data("tone.m4a"), 422),
            ("thumbnail?timestamp=5", Fixtures.data("sample.mp4"), 400),
            ("analyze", Fixtures.data("random.bin"), 422),
        ]
        func round() async throws {
            for (path, body, status) in inputs {
                let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/" + path, body)
                #expect(reply.status == status, "\(path): \(reply.text)")
            }
        }
        for _ in 0..<10 { try await round() }
        let before = try Self.residentMegabytes(service.process.processIdentifier)
        for _ in 0..<60 { try await round() }
        let after = try Self.residentMegabytes(service.process.processIdentifier)
        print("video-processor RSS after 70 jobs \(before) MB, after 490 jobs \(after) MB")
        // A leaked decoder context or frame per job would add tens of MB over 420 jobs.
        #expect(after - before < 12)
        #expect(service.scratch.contents().isEmpty)
        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
    }

    static func residentMegabytes(_ pid: Int32) throws -> Double {
        let statm = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8).split(separator: " ")
        guard statm.count > 1, let pages = Double(statm[1]) else { throw TestFailure("cannot read /proc/\(pid)/statm") }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
