import Foundation
import NIOCore
import Outpost
import OutpostTesting
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
            #expect(await S.waitUntil(timeout: .seconds(5)) { !S.processExists(pid) }, "and the instance sleeps after sleepAfter")
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
}
