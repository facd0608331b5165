import Foundation
import OutpostTesting
import Testing

/// The real executable: a progress-streamed transcode whose client goes away stops, and leaves
/// nothing in the service's scratch directory.
@Suite("Video process cancel (real process)", .serialized)
struct VideoProcessCancelEndToEndTests {
    @Test func closingTheProgressStreamStopsTheTranscodeAndLeavesNothing() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let source = temp.file("long.mp4")
        try MediaProbe.makeVideo(source, seconds: 30, size: "1280x720")
        let service = try ServiceProcess()
        try await service.waitUntilReady()

        // curl streams the NDJSON; once a progress line past 5 % arrives, curl is killed.
        let curl = ChildProcess()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "-X", "POST", "-H", "Content-Type: application/octet-stream", "-H", "Accept: application/x-ndjson",
                          "--data-binary", "@" + source, service.baseURL + "/jobs/process?quality=medium"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        var seen = ""
        while true {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            let fractions = seen.split(separator: "\n").compactMap { line -> Double? in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["progress"] as? Double
            }
            if fractions.contains(where: { $0 > 0.05 }) { break }
        }
        #expect(seen.contains("\"transcoding\""), "\(seen.prefix(500))")
        curl.signal(SIGKILL)
        curl.waitUntilExit()
        let closed = ContinuousClock.now

        // The job ends (cancelled) soon after: jobsInFlight drops to 0.
        let deadline = closed + .seconds(30)
        while (try? await ServiceHTTP.send("GET", service.baseURL + "/health").json()["jobsInFlight"] as? Int) != 0 {
            guard ContinuousClock.now < deadline else { throw TestFailure("the transcode did not stop") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let stoppedAfter = ContinuousClock.now - closed
        // How soon is a figure (reported here and in the README), not a pass mark: on a loaded
        // machine it stretches. What must hold is that the job was cancelled, not finished.
        print("process cancel over HTTP: stopped \(stoppedAfter) after the client went away")
        #expect(service.log.contains("\"cancelled\""), "\(service.log.suffix(800))")
        #expect(service.scratch.contents().isEmpty, "left: \(service.scratch.contents())")
        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
    }
}
