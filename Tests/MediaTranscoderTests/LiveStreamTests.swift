import Foundation
import OutpostTesting
import ServiceTesting
import Testing

/// `live-stream` over the service's HTTP server, fed by a real `ffmpeg` publisher: the job runs
/// with a progress stream and pulled outputs (as the platform runs it), the publisher POSTs
/// MPEG-TS to `/live/{job}/ingest`, and the live playlists published while it runs are read
/// back and checked; the end is checked with ffprobe and ffmpeg.
@Suite("Live stream", .serialized, .heavy)
struct LiveStreamTests {
    /// What the job's NDJSON says, line by line.
    struct Line {
        var type: String
        var object: [String: Any]
        var output: [String: Any]? { object["output"] as? [String: Any] }
    }

    static func parse(_ text: String) -> Line? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let type = object["type"] as? String else { return nil }
        return Line(type: type, object: object)
    }

    /// Starts a live-stream job through curl (NDJSON progress, pulled outputs).
    static func startJob(_ service: InProcessService, id: String, params: [String: Any]) throws -> ProcessLines {
        let body = try JSONSerialization.data(withJSONObject: ["id": id, "operation": "live-stream", "params": params])
        return try ProcessLines("/usr/bin/curl", ["-sN", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Accept: application/x-ndjson",
                                                  "-H", "X-Output-Delivery: pull", "--data-binary", String(decoding: body, as: UTF8.self), service.baseURL + "/jobs"])
    }

    /// Writes a job's final outputs as the platform stores them (name + extension).
    static func download(_ service: InProcessService, outputs: [[String: Any]], into temp: TemporaryDirectory) async throws -> [String] {
        var names: [String] = []
        for output in outputs {
            let name = output["name"] as? String ?? ""
            let ext = ["application/vnd.apple.mpegurl": ".m3u8", "video/mp2t": ".ts", "image/jpeg": ".jpg"][output["contentType"] as? String ?? ""] ?? ""
            let reply = try await ServiceHTTP.send("GET", service.baseURL + (output["pull"] as? String ?? ""))
            #expect(reply.status == 200, "\(name): \(reply.status)")
            try reply.body.write(to: URL(fileURLWithPath: temp.file(name + ext)))
            names.append(name)
        }
        return names
    }

    @Test func publisherStreamsLivePlaylistsThatEndAsVOD() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        // Published in real time: the live playlists checked below must come while it runs, so
        // it runs long enough for a service started in a busy suite to catch up.
        let seconds = 20.0
        try MediaProbe.makeVideo(temp.file("in.mp4"), seconds: seconds, size: "640x360", rate: 25)
        let job = try Self.startJob(service, id: "live-1", params: ["qualities": "mobile,low", "segmentSeconds": 1, "stream_name": "demo", "stallSeconds": 120])
        defer { job.stop() }
        let publisher = ChildProcess()
        publisher.executableURL = URL(fileURLWithPath: FFmpegCLI.executable)
        publisher.arguments = ["-v", "error", "-re", "-i", temp.file("in.mp4"), "-c", "copy", "-f", "mpegts", "-method", "POST", service.baseURL + "/live/live-1/ingest"]
        publisher.standardOutput = FileHandle.nullDevice
        publisher.standardError = FileHandle.nullDevice
        try publisher.run()
        defer { publisher.signal(SIGTERM) }

        // Live playlists as published (the transcode may lag the publisher on a loaded machine:
        // the ingest queue holds what it sent), and how many came while it still ran.
        var live: [String] = []
        var whilePublishing = 0
        var secondPublisher: HTTPReply?
        var result: [String: Any]?
        for await text in job.lines {
            guard let line = Self.parse(text) else { continue }
            if line.type == "output", let output = line.output, output["name"] as? String == "mobile" {
                let running = publisher.isRunning
                let playlist = try await ServiceHTTP.send("GET", service.baseURL + (output["pull"] as? String ?? "")).text
                live.append(playlist)
                if running { whilePublishing += 1 }
                if secondPublisher == nil, running {
                    secondPublisher = try await ServiceHTTP.send("POST", service.baseURL + "/live/live-1/ingest", body: Data(repeating: 0x47, count: 188))
                }
            }
            if line.type == "result" || line.type == "error" {
                result = line.object
                break
            }
        }
        // Had the stream ended any other way than by the publisher's end, the publisher would
        // never be told: it is stopped then, so the checks below fail instead of this test hanging.
        let ending = ((result?["job"] as? [String: Any])?["result"] as? [String: Any])?["ending"] as? String
        if ending != "publisher-ended" { publisher.signal(SIGTERM) }
        let publisherStatus = try await offPool { publisher.waitUntilExit(); return publisher.terminationStatus }
        #expect(publisherStatus == 0, "the publisher's POST failed")
        #expect(secondPublisher?.status == 409 && secondPublisher?.errorCode == "publisher_connected", "\(secondPublisher?.text ?? "no second publisher")")

        // The live playlist grew while the publisher ran, as a sliding window, never ended.
        #expect(live.count >= 7, "\(live.count) live playlists")
        let counts = live.map { $0.split(separator: "\n").filter { $0.hasPrefix("#EXTINF") }.count }
        let sequences = live.map { text in
            text.split(separator: "\n").first { $0.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") }.flatMap { Int($0.dropFirst("#EXT-X-MEDIA-SEQUENCE:".count)) } ?? -1
        }
        #expect(whilePublishing >= 2, "only \(whilePublishing) live playlists while publishing")
        #expect(!live.contains { $0.contains("#EXT-X-ENDLIST") || $0.contains("PLAYLIST-TYPE") }, "\(live.last ?? "")")
        #expect(counts.allSatisfy { $0 >= 1 && $0 <= 6 }, "\(counts)")
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 <= $1 } && (sequences.last ?? 0) >= 1, "media sequences \(sequences)")
        #expect(zip(live, live.dropFirst()).allSatisfy { $0 != $1 })

        // The end: every segment, VOD with ENDLIST, renditions ffprobe reads, the whole duration decoded.
        let end = try #require(result)
        #expect(end["type"] as? String == "result", "\(end)")
        let body = try #require(end["job"] as? [String: Any])
        let summary = try #require(body["result"] as? [String: Any])
        #expect(summary["ending"] as? String == "publisher-ended")
        let names = try await Self.download(service, outputs: try #require(body["outputs"] as? [[String: Any]]), into: temp)
        #expect(names.first == "master" && names.contains("mobile") && names.contains("low") && names.contains("audio") && names.contains("poster"))
        let mobile = try String(contentsOfFile: temp.file("mobile.m3u8"), encoding: .utf8)
        #expect(mobile.contains("#EXT-X-ENDLIST") && mobile.contains("#EXT-X-PLAYLIST-TYPE:VOD"))
        #expect(try MediaProbe.segmentCount(temp.file("mobile.m3u8")) >= 7, "\(mobile)")
        #expect(names.contains("mobile-000") && names.contains("low-007"))
        let small = try MediaProbe.probe(temp.file("mobile-000.ts"))
        #expect(small.video?.width == 426 && small.video?.height == 240 && small.video?.codec == "h264")
        let large = try MediaProbe.probe(temp.file("low-003.ts"))
        #expect(large.video?.width == 640 && large.video?.height == 360)
        let decoded = try MediaProbe.decodedDuration(temp.file("master.m3u8"))
        #expect(abs(decoded - seconds) <= 0.5, "decoded \(decoded) s")
        _ = try await ServiceHTTP.send("DELETE", service.baseURL + "/outputs/live-1")
        // The stream has ended: its ingest URL is gone.
        let late = try await ServiceHTTP.send("POST", service.baseURL + "/live/live-1/ingest", body: Data(repeating: 0x47, count: 188))
        #expect(late.status == 404, "\(late.text)")
        await service.stop()
    }

    @Test func aStalledFragmentedMP4IngestEndsTheStreamAsVOD() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try MediaProbe.makeVideo(temp.file("in.mp4"), seconds: 3, size: "640x360", rate: 25)
        // Fragmented MP4 this time (the other ingest container).
        try FFmpegCLI.run(["-i", temp.file("in.mp4"), "-c", "copy", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov", temp.file("in.frag.mp4")])
        let job = try Self.startJob(service, id: "live-2", params: ["qualities": "mobile", "segmentSeconds": 1, "stallSeconds": 2])
        defer { job.stop() }
        // A publisher that PUTs three seconds of fMP4, chunked, then sends nothing with its
        // connection open (python's socket, so nothing closes the body for it): its answer
        // must come when the stall ends the stream, not when it hangs up.
        let port = String(service.baseURL.split(separator: ":").last ?? "")
        let script = """
        import socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"PUT /live/live-2/ingest HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
        data = open(sys.argv[2], "rb").read()
        for i in range(0, len(data), 65536):
            chunk = data[i:i + 65536]
            s.sendall(b"%x\\r\\n" % len(chunk) + chunk + b"\\r\\n")
        answer = b""
        while True:
            part = s.recv(65536)
            if not part:
                break
            answer += part
        print(answer.decode())
        """
        let publisher = try ProcessLines("/usr/bin/python3", ["-c", script, port, temp.file("in.frag.mp4")])
        defer { publisher.stop() }

        var end: [String: Any]?
        for await text in job.lines {
            if let line = Self.parse(text), line.type == "result" || line.type == "error" {
                end = line.object
                break
            }
        }
        var answer = ""
        for await text in publisher.lines { answer += text + "\n" }
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("\"ending\":\"stalled\""), "\(answer)")
        let result = try #require(end)
        #expect(result["type"] as? String == "result", "\(result)")
        let body = try #require(result["job"] as? [String: Any])
        #expect((body["result"] as? [String: Any])?["ending"] as? String == "stalled")
        _ = try await Self.download(service, outputs: try #require(body["outputs"] as? [[String: Any]]), into: temp)
        #expect(try String(contentsOfFile: temp.file("mobile.m3u8"), encoding: .utf8).contains("#EXT-X-ENDLIST"))
        let decoded = try MediaProbe.decodedDuration(temp.file("master.m3u8"))
        #expect(abs(decoded - 3) <= 0.5, "decoded \(decoded) s")
        _ = try await ServiceHTTP.send("DELETE", service.baseURL + "/outputs/live-2")
        await service.stop()
    }

    @Test func aPublisherStillSendingAfterAStallIsCutOff() async throws {
        let service = try await InProcessService.start()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try MediaProbe.makeVideo(temp.file("in.mp4"), seconds: 2, size: "320x180", rate: 25)
        try FFmpegCLI.run(["-i", temp.file("in.mp4"), "-c", "copy", "-f", "mpegts", temp.file("in.ts")])
        let job = try Self.startJob(service, id: "live-4", params: ["qualities": "mobile", "segmentSeconds": 1, "stallSeconds": 2])
        defer { job.stop() }
        // A publisher like ffmpeg: it POSTs its TS, goes quiet until the stall has ended the
        // stream (the answer arriving is the event it waits for, unread), then goes on sending
        // and reads its answer only once sending fails. Once the answer is written the service
        // must close the connection; if it only stopped reading, the publisher would block in
        // send() forever (the socket's own 60 s timeout turns that into "BLOCKED").
        let port = String(service.baseURL.split(separator: ":").last ?? "")
        let script = """
        import select, socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.settimeout(60)
        s.sendall(b"POST /live/live-4/ingest HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
        def send(chunk):
            s.sendall(b"%x\\r\\n" % len(chunk) + chunk + b"\\r\\n")
        data = open(sys.argv[2], "rb").read()
        for i in range(0, len(data), 65536):
            send(data[i:i + 65536])
        readable, _, _ = select.select([s], [], [], 60)
        print("answered" if readable else "no answer in 60 s", flush=True)
        sent = 0
        try:
            while True:
                send(b"\\x47" + b"\\x00" * 65535)
                sent += 65536
        except socket.timeout:
            print("BLOCKED in send after %d more bytes" % sent, flush=True)
        except OSError as error:
            print("send failed: %s" % type(error).__name__, flush=True)
        answer = b""
        try:
            while True:
                part = s.recv(65536)
                if not part:
                    break
                answer += part
        except OSError:
            pass
        print(answer.decode(errors="replace"), flush=True)
        """
        let publisher = try ProcessLines("/usr/bin/python3", ["-c", script, port, temp.file("in.ts")])
        defer { publisher.stop() }
        var said: [String] = []
        for await text in publisher.lines { said.append(text) }
        let output = said.joined(separator: "\n")
        #expect(said.first == "answered", "\(output)")
        #expect(said.contains { $0 == "send failed: BrokenPipeError" || $0 == "send failed: ConnectionResetError" }, "\(output)")
        #expect(output.contains("HTTP/1.1 200") && output.contains("\"ending\":\"stalled\""), "\(output)")

        var end: [String: Any]?
        for await text in job.lines {
            if let line = Self.parse(text), line.type == "result" || line.type == "error" {
                end = line.object
                break
            }
        }
        let result = try #require(end)
        #expect(((result["job"] as? [String: Any])?["result"] as? [String: Any])?["ending"] as? String == "stalled", "\(result)")
        _ = try await ServiceHTTP.send("DELETE", service.baseURL + "/outputs/live-4")
        await service.stop()
    }

    @Test func badParametersAndAMissingPublisherAreClearErrors() async throws {
        let service = try await InProcessService.start()
        for params: [String: Any] in [["segmentSeconds": 11], ["qualities": "mobile,8k"], ["stallSeconds": 0], ["waitSeconds": 0]] {
            let reply = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["operation": "live-stream", "params": params])
            #expect(reply.status == 400 && reply.errorCode == "invalid_parameter", "\(params): \(reply.status) \(reply.text)")
        }
        let nobody = try await ServiceHTTP.postJSON(service.baseURL + "/jobs", ["id": "live-3", "operation": "live-stream", "params": ["waitSeconds": 1]])
        #expect(nobody.status == 422 && nobody.text.contains("No publisher"), "\(nobody.status) \(nobody.text)")
        let unknown = try await ServiceHTTP.send("POST", service.baseURL + "/live/nothing-here/ingest", body: Data(repeating: 0x47, count: 188))
        #expect(unknown.status == 404 && unknown.errorCode == "stream_not_found", "\(unknown.text)")
        #expect(service.scratch.contents().isEmpty)
        await service.stop()
    }
}
