import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Queue producers: send, sendBatch, limits and errors")
struct QueueProducerTests {
    static let config = """
        name = "producer-test"
        [[queues.producers]]
        binding = "JOBS"
        queue = "jobs"
        [[queues.producers]]
        binding = "LATER"
        queue = "later"
        delivery_delay = 300
        """

    func expectQueueError(_ message: String, status: Int = 413, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \"\(message)\"")
        } catch let e as QueueError {
            #expect(e.message == message)
            #expect(e.status == status)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("send returns a 32-hex id once the message is in queues.sqlite, visible to another connection")
    func sendIsDurable() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            let id = try await t.queue("JOBS").send(["job": "render"] as JSONValue)
            #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit })
            // A second store on the same file (as the CLI opens it) sees the committed row.
            let other = try QueueStore(stateDirectory: t.stateDirectory, clock: RuntimeClock())
            #expect(try other.messageIDs(queue: "jobs") == [id])
            #expect(try other.counts(queue: "jobs") == QueueCounts(name: "jobs", depth: 1, inFlight: 0, delayed: 0, deadLettered: 0))
            #expect(FileManager.default.fileExists(atPath: t.stateDirectory + "/queues.sqlite"))
        }
    }

    @Test("a message may be 128000 bytes; 128001 is refused with Cloudflare's message")
    func messageSize() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            let q = try t.queue("JOBS")
            try await q.send(String(repeating: "a", count: 128_000), contentType: .text)
            await expectQueueError("message length of 128001 bytes exceeds limit of 128000") {
                try await q.send(String(repeating: "a", count: 128_001), contentType: .text)
            }
            // JSON counts its serialized form: a 127999-character string is 128001 bytes with its quotes.
            await expectQueueError("message length of 128001 bytes exceeds limit of 128000") {
                try await q.send(JSONValue.string(String(repeating: "b", count: 127_999)))
            }
            await expectQueueError("message length of 128001 bytes exceeds limit of 128000") {
                try await q.send([UInt8](repeating: 1, count: 128_001), contentType: .bytes)
            }
            #expect(try t.queues.counts(queue: "jobs").depth == 1)
        }
    }

    @Test("sendBatch: at most 100 messages, 256000 bytes in all, each at most 128000")
    func batchLimits() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            let q = try t.queue("JOBS")
            let hundred = (0..<100).map { MessageSendRequest(body: JSONValue.number(Double($0))) }
            #expect(try await q.sendBatch(hundred).count == 100)
            await expectQueueError("batch message count of 101 exceeds limit of 100") {
                try await q.sendBatch(hundred + [MessageSendRequest(body: JSONValue.null)])
            }
            let big = String(repeating: "x", count: 100_000)
            await expectQueueError("batch size of 300000 bytes exceeds limit of 256000") {
                try await q.sendBatch(Array(repeating: MessageSendRequest(body: big, contentType: .text), count: 3))
            }
            await expectQueueError("message in batch has length 128001 bytes which exceeds single message size limit of 128000") {
                try await q.sendBatch([MessageSendRequest(body: String(repeating: "y", count: 128_001), contentType: .text)])
            }
            try await q.sendBatch(Array(repeating: MessageSendRequest(body: big, contentType: .text), count: 2))
            // Refused batches wrote nothing.
            #expect(try t.queues.counts(queue: "jobs").depth == 102)
            #expect(try await q.sendBatch([]) == [])
        }
    }

    @Test("delaySeconds must be 0…43200; messages wait their delay; the binding's delivery_delay is the default")
    func delays() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            let q = try t.queue("JOBS")
            await expectQueueError("message delay of 43201 seconds is invalid; delaySeconds must be between 0 and 43200", status: 400) {
                try await q.send("x", contentType: .text, delaySeconds: 43_201)
            }
            await expectQueueError("message delay of -1 seconds is invalid; delaySeconds must be between 0 and 43200", status: 400) {
                try await q.sendBatch([MessageSendRequest(body: "x", contentType: .text)], delaySeconds: -1)
            }
            try await q.send("x", contentType: .text, delaySeconds: 43_200)
            try await q.sendBatch([
                MessageSendRequest(body: "now", contentType: .text, delaySeconds: 0),
                MessageSendRequest(body: "later", contentType: .text),
            ], delaySeconds: 60)
            #expect(try t.queues.counts(queue: "jobs") == QueueCounts(name: "jobs", depth: 1, inFlight: 0, delayed: 2, deadLettered: 0))
            t.advanceTime(by: 60)
            #expect(try t.queues.counts(queue: "jobs").depth == 2)

            try await t.queue("LATER").send(JSONValue.null)
            try await t.queue("LATER").send(JSONValue.null, delaySeconds: 0)
            #expect(try t.queues.counts(queue: "later") == QueueCounts(name: "later", depth: 1, inFlight: 0, delayed: 1, deadLettered: 0))
        }
    }

    @Test("content types: text needs a String, bytes needs bytes; errors are 400s")
    func contentTypes() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            let q = try t.queue("JOBS")
            await expectQueueError("message body of type Int cannot be sent with content type 'text'; it needs a String", status: 400) {
                try await q.send(42, contentType: .text)
            }
            await expectQueueError("message body of type String cannot be sent with content type 'bytes'; it needs bytes ([UInt8], Data or ByteBuffer)", status: 400) {
                try await q.send("x", contentType: .bytes)
            }
            try await q.send(Data([1, 2]), contentType: .bytes)
            try await q.send(["a": 1], contentType: .v8)
            #expect(try t.queues.counts(queue: "jobs").depth == 2)
        }
    }

    @Test("env.queue names what is missing")
    func missingBinding() async throws {
        try await withQueueRuntime(Self.config) { t, _ in
            #expect(throws: BindingError.self) { try t.env.queue("NOPE") }
        }
    }
}
