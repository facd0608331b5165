import Foundation
import NIOCore
import Outpost
import OutpostTesting
import Testing

/// Request bodies through the container proxy: full duplex, never buffered whole.
@Suite("Container proxy streaming", .serialized)
struct ContainerProxyStreamingTests {
    typealias S = ContainerTestSupport

    /// A request body made on demand: `chunks` MiB of "a", pausing after the first until `open()`.
    actor Upload {
        let chunks: Int
        private(set) var produced = 0
        private var isOpen = false
        private var waiter: CheckedContinuation<Void, Never>?

        init(chunks: Int) { self.chunks = chunks }

        func next() async -> ByteBuffer? {
            if produced == 1 && !isOpen { await withCheckedContinuation { waiter = $0 } }
            guard produced < chunks else { return nil }
            produced += 1
            return ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20)
        }

        func open() {
            isOpen = true
            waiter?.resume()
            waiter = nil
        }
    }

    /// This process's resident set size, from /proc.
    static func residentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func a64MiBUploadStreamsFullDuplexAndIsNeverBuffered() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "upload", options: S.options())
            let upload = Upload(chunks: 64)
            // Half duplex would wait for the whole body before reading any answer: a deadlock here,
            // since the body pauses until the answer shows the service got the first MiB.
            let watchdog = Task {
                try await Task.sleep(for: .seconds(20))
                await upload.open()
            }
            defer { watchdog.cancel() }
            let before = Self.residentBytes()
            var peak = before
            let response = try await sup.fetch(Request(method: .post, url: "/drain", body: Body(stream: AsyncStream { await upload.next() })),
                                               className: "Fixture", instanceID: "upload", options: S.options())
            #expect(await upload.produced <= 1, "the response head came back with 63 MiB still to send")
            var text = ""
            var lead = 0  // MiB pulled from the client but not yet seen by the service: what is buffered on the way
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.contains("received 1048576\n") { await upload.open() }
                let received = text.split(separator: "\n").last { $0.hasPrefix("received ") }.flatMap { Int($0.dropFirst(9)) } ?? 0
                lead = max(lead, await upload.produced - received >> 20)
                peak = max(peak, Self.residentBytes())
            }
            #expect(!watchdog.isCancelled && text.hasPrefix("received 1048576\n"), "the service saw the first MiB before the client sent the second")
            #expect(text.hasSuffix("total 67108864\n"), "every byte arrived: \(text.suffix(40))")
            #expect(text.split(separator: "\n").count == 65)
            // The socket buffers (send up to tcp_wmem's 4 MiB; the fixture fixes its receive buffer) and
            // the lag of the service's reports account for the lead; a proxy that gathered the body would run 60+ ahead.
            #expect(lead <= 20, "the proxy ran \(lead) MiB ahead of the service")
            print("proxy upload of 64 MiB: at most \(lead) MiB in flight; process RSS grew by \((peak - before) >> 10) KiB")
            // The connection is clean afterwards: the next exchange on the instance works.
            let echo = try await sup.fetch(Request(method: .post, url: "/echo", body: Body("after")), className: "Fixture", instanceID: "upload", options: S.options())
            #expect(try await echo.body.text() == "after")
        }
    }

    @Test func anAnswerBeforeTheUploadEndsClosesTheConnectionAndReleasesTheInstance() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "early", options: S.options())
            let upload = Upload(chunks: 8)  // pauses after the first MiB until the end of the test
            let watchdog = Task {
                try await Task.sleep(for: .seconds(20))
                await upload.open()
            }
            defer { watchdog.cancel() }
            let response = try await sup.fetch(Request(method: .post, url: "/drain", body: Body(stream: AsyncStream { await upload.next() })),
                                               className: "Fixture", instanceID: "early", options: S.options())
            var it = response.body.makeAsyncIterator()
            #expect(try await it.next().map { String(buffer: $0) } == "received 1048576\n")
            #expect(await sup.activity(className: "Fixture", instanceID: "early")?.inFlight == 1)
            _ = consume it
            _ = consume response
            #expect(await sup.activity(className: "Fixture", instanceID: "early")?.inFlight == 0, "abandoning the answer ends the exchange")
            await upload.open()
            let ping = try await sup.fetch(Request(url: "/ping"), className: "Fixture", instanceID: "early", options: S.options())
            #expect(try await ping.body.text() == "pong", "a fresh connection serves the next request")
        }
    }

    @Test func a64MiBUploadThroughTheHTTPFrontArrivesWhole() async throws {
        try await TestRuntime.with(config: ContainerObjectFixtures.config(), script: ContainerObjectFixtures.script) { t in
            try await ContainerWebSocketTests.withFront(t) { port in
                let raw = try await offPool { try RawHTTP.upload(port: port, path: "/c/upload/drain", length: 64 << 20, chunk: 1 << 20) }
                #expect(raw.hasPrefix("HTTP/1.1 200"), "\(raw.prefix(200))")
                #expect(raw.contains("received 1048576\n") && raw.contains("total 67108864\n"), "\(raw.suffix(200))")
            }
        }
    }

    /// POSTs `length` bytes to `path` on a kept-alive connection, giving up sending when the server
    /// stops reading for 1 s, and returns what came back within 10 s. Blocking: call it through `offPool`.
    static func uploadWithoutWaiting(port: Int, path: String, length: Int) throws -> String {
        let fd = try RawHTTP.connect(port: port)
        defer { close(fd) }
        var send = timeval(tv_sec: 1, tv_usec: 0), receive = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receive, socklen_t(MemoryLayout<timeval>.size))
        try RawHTTP.sendAll(fd, Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\n\r\n".utf8))
        let block = [UInt8](repeating: 0x61, count: 1 << 20)
        var sent = 0
        while sent < length, (try? RawHTTP.sendAll(fd, Array(block.prefix(min(block.count, length - sent))))) != nil {
            sent += min(block.count, length - sent)
        }
        var response = [UInt8](), buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: response, as: UTF8.self).hasSuffix("early") {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer.prefix(n)
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func aServiceThatAnswersBeforeReadingAnUploadThroughTheFrontLeavesTheRuntimeWell() async throws {
        try await TestRuntime.with(config: ContainerObjectFixtures.config(), script: ContainerObjectFixtures.script) { t in
            try await ContainerWebSocketTests.withFront(t) { port in
                // The answer arrives although the service never read the upload; the upload to it is
                // cancelled, and the runtime neither hangs nor crashes (the client's body is shared with
                // Hummingbird, which drains or closes the connection after the answer).
                for _ in 0..<2 {
                    let raw = try await offPool { try Self.uploadWithoutWaiting(port: port, path: "/c/early/early", length: 16 << 20) }
                    #expect(raw.hasPrefix("HTTP/1.1 200") && raw.hasSuffix("early"), "\(raw.prefix(200))")
                }
                let after = try await offPool { try RawHTTP.upload(port: port, path: "/c/early/echo", length: 5, chunk: 5) }
                #expect(after.hasPrefix("HTTP/1.1 200") && after.hasSuffix("aaaaa"), "the runtime still serves: \(after)")
            }
        }
    }
}
