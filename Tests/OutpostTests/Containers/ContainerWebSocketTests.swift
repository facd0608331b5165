import Foundation
import Logging
import NIOCore
import Outpost
import OutpostTesting
import ServiceLifecycle
import Testing

/// WebSockets tunnelled to a container through `containerFetch`, on real fixture processes.
@Suite("Container WebSockets", .serialized)
struct ContainerWebSocketTests {
    typealias S = ContainerTestSupport
    typealias F = ContainerObjectFixtures
    typealias WS = WebSocketFrames

    /// A WebSocket client in the in-process harness: its bytes are the upgrade request's body,
    /// the server's bytes are the 101 response's body.
    final class HarnessSocket: Sendable {
        let response: Response
        let send: AsyncStream<ByteBuffer>.Continuation
        let clientSideEnded: AsyncStream<Void>

        init(_ t: TestRuntime, path: String) async {
            let (outgoing, send) = AsyncStream.makeStream(of: ByteBuffer.self)
            let (ended, endedContinuation) = AsyncStream.makeStream(of: Void.self)
            send.onTermination = { _ in endedContinuation.finish() }
            var headers = HTTPFields()
            headers[.upgrade] = "websocket"
            headers[.connection] = "Upgrade"
            headers[HTTPField.Name("sec-websocket-key")!] = WS.exampleKey
            headers[HTTPField.Name("sec-websocket-version")!] = "13"
            response = await t.dispatchFetch(Request(url: path, headers: headers, body: Body(stream: outgoing)))
            self.send = send
            self.clientSideEnded = ended
        }

        func sendText(_ text: String) { send.yield(ByteBuffer(bytes: WS.clientText(text))) }
    }

    /// Reads frames from `body` until `count` arrived or the body ended.
    static func frames(_ iterator: inout Body.AsyncIterator, _ reader: inout WS.Reader, count: Int) async throws -> [(opcode: UInt8, payload: [UInt8])] {
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        while frames.count < count {
            if let frame = reader.next() { frames.append(frame); continue }
            guard let chunk = try await iterator.next() else { break }
            reader.append(chunk.readableBytesView)
        }
        return frames
    }

    func uniqueName() -> String { "ws-" + UUID().uuidString.prefix(8).lowercased() }

    @Test func aWebSocketIsTunnelledKeepsTheInstanceAwakeAndReleasesItOnClose() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script, vars: ["SLEEP_AFTER": "1s"]) { t in
            let name = uniqueName()
            let id = try t.durableObject("FIXTURE").idFromName(name).hex
            let supervisor = try #require(t.runtime.subsystem(ContainersSubsystem.self)?.supervisor)
            let socket = await HarnessSocket(t, path: "/c/\(name)/ws")
            #expect(socket.response.status.code == 101)
            #expect(socket.response.header("sec-websocket-accept") == WS.exampleAccept, "the service's handshake comes through")
            var body = socket.response.body.makeAsyncIterator()
            var reader = WS.Reader()
            let greeting = try await Self.frames(&body, &reader, count: 1)
            #expect(greeting.first?.payload == Array("hello".utf8), "bytes the service sent right after its 101 are kept")

            let before = try #require(await supervisor.activity(className: "FixtureContainer", instanceID: id))
            #expect(before.inFlight == 1, "an open WebSocket is in flight")
            socket.sendText("one")
            #expect(try await Self.frames(&body, &reader, count: 1).first?.payload == Array("one".utf8))
            let after = try #require(await supervisor.activity(className: "FixtureContainer", instanceID: id))
            #expect(after.lastActivity > before.lastActivity, "each message renews sleepAfter")

            let pid = try #require(await supervisor.process(className: "FixtureContainer", instanceID: id)?.pid)
            try await Task.sleep(for: .milliseconds(1500))  // quiet for longer than sleepAfter
            #expect(S.processExists(pid), "an open WebSocket keeps the instance awake")
            socket.sendText("two")
            #expect(try await Self.frames(&body, &reader, count: 1).first?.payload == Array("two".utf8))

            socket.send.yield(ByteBuffer(bytes: WS.client(WS.close, [0x03, 0xE8])))
            socket.send.finish()
            while try await body.next() != nil {}
            #expect(await S.waitUntil { await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 0 },
                    "closing the client side releases the in-flight count")
            #expect(await S.waitUntil(timeout: .seconds(60)) { !S.processExists(pid) }, "and the instance sleeps after sleepAfter")
        }
    }

    @Test func theServiceClosingEndsTheClientSideAndReleasesTheInstance() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let name = uniqueName()
            let id = try t.durableObject("FIXTURE").idFromName(name).hex
            let supervisor = try #require(t.runtime.subsystem(ContainersSubsystem.self)?.supervisor)
            let socket = await HarnessSocket(t, path: "/c/\(name)/ws?closeAfter=1")
            #expect(socket.response.status.code == 101)
            var body = socket.response.body.makeAsyncIterator()
            var reader = WS.Reader()
            socket.sendText("only")
            let frames = try await Self.frames(&body, &reader, count: 4)
            #expect(frames.map(\.opcode) == [WS.text, WS.text, WS.close], "hello, the echo, then the service's close")
            #expect(await S.waitUntil { await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 0 })
            var ended = socket.clientSideEnded.makeAsyncIterator()
            await ended.next()  // returns once the tunnel stopped reading the client's side
        }
    }

    @Test func anUpgradeTheServiceRefusesIsAnOrdinaryResponse() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let socket = await HarnessSocket(t, path: "/c/\(uniqueName())/nope")
            #expect(socket.response.status.code == 404)
            let text = try await socket.response.text()
            #expect(text == "not found")
            socket.send.finish()
        }
    }

    /// A blocking WebSocket client on a plain socket (call it through `offPool`), for the HTTP front.
    final class SocketClient {
        let fd: Int32
        var pending: [UInt8] = []
        var reader = WS.Reader()

        init(port: Int) throws {
            fd = try RawHTTP.connect(port: port)
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// Reads more bytes; false at EOF (or after the 10 s timeout).
        func fill() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 16384)
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return false }
            pending += buffer.prefix(n)
            return true
        }

        /// Sends an upgrade for `path` and returns the response head; bytes after it stay pending.
        func upgrade(_ path: String) throws -> String {
            try RawHTTP.sendAll(fd, Array(("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(WS.exampleKey)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
            return head()
        }

        /// Everything until the server closes the connection.
        func rest() -> String {
            while fill() {}
            defer { pending = [] }
            return String(decoding: pending, as: UTF8.self)
        }

        /// The next response head; bytes after it stay pending.
        func head() -> String {
            while true {
                if let end = String(decoding: pending, as: UTF8.self).range(of: "\r\n\r\n") {
                    let count = String(decoding: pending, as: UTF8.self)[..<end.upperBound].utf8.count
                    let head = String(decoding: pending.prefix(count), as: UTF8.self)
                    pending.removeFirst(count)
                    return head
                }
                guard fill() else { return String(decoding: pending, as: UTF8.self) }
            }
        }

        /// The next frame, nil at EOF.
        func frame() -> (opcode: UInt8, payload: [UInt8])? {
            while true {
                reader.append(pending)
                pending = []
                if let frame = reader.next() { return frame }
                guard fill() else { return nil }
            }
        }

        func send(_ bytes: [UInt8]) throws { try RawHTTP.sendAll(fd, bytes) }

        /// True once the server closed the connection (EOF) with nothing more to read.
        func closedByServer() -> Bool {
            reader.append(pending)
            pending = []
            return reader.next() == nil && !fill()
        }
    }

    /// Runs the HTTP front of `t` on a free port while `body` runs.
    static func withFront<T: Sendable>(_ t: TestRuntime, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = HTTPFront(runtime: t.runtime, port: 0).application { portContinuation.yield($0) }
        var logger = Logger(label: "test.front")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    @Test func aWebSocketThroughTheHTTPFrontIsTunnelledBothWaysAndClosesBothWays() async throws {
        try await TestRuntime.with(config: F.config(), script: F.script) { t in
            let supervisor = try #require(t.runtime.subsystem(ContainersSubsystem.self)?.supervisor)
            let name = uniqueName()
            let id = try t.durableObject("FIXTURE").idFromName(name).hex
            try await Self.withFront(t) { port in
                // The client closes: a close frame, the service's close comes back, then the connection ends.
                try await offPool {
                    let client = try SocketClient(port: port)
                    let head = try client.upgrade("/c/\(name)/ws")
                    #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
                    #expect(head.lowercased().contains("sec-websocket-accept: \(WS.exampleAccept.lowercased())"), "\(head)")
                    #expect(client.frame()?.payload == Array("hello".utf8))
                    try client.send(WS.clientText("through the front"))
                    #expect(client.frame()?.payload == Array("through the front".utf8))
                    try client.send(WS.client(WS.close, [0x03, 0xE8]))
                    #expect(client.frame()?.opcode == WS.close)
                    #expect(client.closedByServer(), "the service's close ends the client's connection")
                }
                #expect(await S.waitUntil { await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 0 })

                // The client just goes away: the tunnel to the service closes too.
                try await offPool {
                    let client = try SocketClient(port: port)
                    #expect(try client.upgrade("/c/\(name)/ws").hasPrefix("HTTP/1.1 101"))
                    #expect(client.frame()?.payload == Array("hello".utf8))
                }
                #expect(await S.waitUntil { await supervisor.activity(className: "FixtureContainer", instanceID: id)?.inFlight == 0 },
                        "a client that vanished releases the instance")

                // The service closes: the client gets its close frame and then EOF.
                try await offPool {
                    let client = try SocketClient(port: port)
                    #expect(try client.upgrade("/c/\(name)/ws?closeAfter=1").hasPrefix("HTTP/1.1 101"))
                    #expect(client.frame()?.payload == Array("hello".utf8))
                    try client.send(WS.clientText("last"))
                    #expect(client.frame()?.payload == Array("last".utf8))
                    #expect(client.frame()?.opcode == WS.close)
                    #expect(client.closedByServer())
                }

                // An upgrade the Worker does not accept gets its ordinary answer, and the connection closes.
                try await offPool {
                    let client = try SocketClient(port: port)
                    let head = try client.upgrade("/c/\(name)/nope")
                    #expect(head.hasPrefix("HTTP/1.1 404"), "\(head)")
                    #expect(client.rest().hasSuffix("not found"))
                }

                // An upgrade after another request on a kept-alive connection is sent to a new connection.
                try await offPool {
                    let client = try SocketClient(port: port)
                    try client.send(Array("GET /c/\(name)/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                    #expect(client.head().hasPrefix("HTTP/1.1 200"))
                    while client.pending.count < 4 { _ = client.fill() }
                    client.pending.removeFirst(4)  // "pong"
                    let late = try client.upgrade("/c/\(name)/ws")
                    #expect(late.hasPrefix("HTTP/1.1 307") && late.lowercased().contains("location: /c/\(name)/ws"), "\(late)")
                }
                let plain = try await offPool { try RawHTTP.upload(port: port, path: "/c/\(name)/echo", length: 5, chunk: 5) }
                #expect(plain.hasPrefix("HTTP/1.1 200") && plain.hasSuffix("aaaaa"), "plain HTTP still works: \(plain)")
            }
        }
    }
}
