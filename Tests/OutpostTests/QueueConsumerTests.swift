import Foundation
import Outpost
import OutpostTesting
import Synchronization
import Testing

@Suite("Queue consumers: batching, retries, dead letters, durability")
struct QueueConsumerTests {
    static func config(_ consumer: String, extra: String = "") -> String {
        """
        name = "consumer-test"
        [[queues.producers]]
        binding = "JOBS"
        queue = "jobs"
        [[queues.consumers]]
        queue = "jobs"
        \(consumer)
        \(extra)
        """
    }

    static func numbers(_ range: Range<Int>) -> [MessageSendRequest] {
        range.map { MessageSendRequest(body: ["n": .number(Double($0))] as JSONValue) }
    }

    @Test("7 messages with max_batch_size 5: a batch of 5 at once, the other 2 when the timeout passes")
    func batchBySizeThenTimeout() async throws {
        // A 60 s timeout, reached by advancing the clock: a loaded machine stalling for a few real
        // seconds must not deliver the last two early.
        try await withQueueRuntime(Self.config("max_batch_size = 5\nmax_batch_timeout = 60")) { t, rec in
            let ids = try await t.queue("JOBS").sendBatch(Self.numbers(0..<7))
            try await rec.wait { $0.count >= 1 }
            #expect(await rec.batches[0].ids == Array(ids[0..<5]))
            #expect(await rec.batches[0].attempts == [1, 1, 1, 1, 1])
            // The first batch is acked; the two left wait for max_batch_timeout (60 s of runtime clock).
            try await t.waitForQueue("jobs") { $0.depth == 2 && $0.inFlight == 0 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await rec.batches.count == 1)
            t.advanceTime(by: 60)
            try await rec.wait { $0.count >= 2 }
            #expect(await rec.batches[1].ids == Array(ids[5..<7]))
            try await t.waitUntilDelivered("jobs")
            #expect(await rec.batches.count == 2)
        }
    }

    @Test("max_batch_timeout is a real timer too: 1 message with a 1 s timeout arrives after about a second")
    func batchTimeoutRealTime() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 1")) { t, rec in
            let start = ContinuousClock.now
            try await t.queue("JOBS").send(JSONValue.string("hi"))
            try await rec.wait { $0.count == 1 }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(900))
            #expect(await rec.batches[0].bodies == [.json("hi")])
        }
    }

    @Test("max_batch_timeout 0 delivers at once; bodies arrive decoded per content type")
    func immediateAndContentTypes() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0")) { t, rec in
            try await t.queue("JOBS").sendBatch([
                MessageSendRequest(body: ["k": [1, 2]] as JSONValue),
                MessageSendRequest(body: "plain", contentType: .text),
                MessageSendRequest(body: [UInt8]([0, 255]), contentType: .bytes),
                MessageSendRequest(body: ["v": true] as JSONValue, contentType: .v8),
            ])
            try await rec.wait { $0.flatMap(\.ids).count == 4 }
            let bodies = await rec.batches.flatMap(\.bodies)
            #expect(bodies == [.json(["k": [1, 2]]), .text("plain"), .bytes([0, 255]), .json(["v": true])])
            try await t.waitUntilDelivered("jobs")
        }
    }

    @Test("per-message retry: only the retried messages come back, with attempts 2")
    func perMessageRetry() async throws {
        let config = Self.config("max_batch_timeout = 0\nmax_batch_size = 10")
        try await withQueueRuntime(config, handler: { batch in
            for m in batch.messages where m.attempts == 1 {
                if (m.body.json?["n"]?.intValue ?? 0) % 2 == 1 { m.retry() } else { m.ack() }
            }
        }) { t, rec in
            let ids = try await t.queue("JOBS").sendBatch(Self.numbers(0..<6))
            try await rec.wait { $0.flatMap(\.ids).count >= 9 }
            try await t.waitUntilDelivered("jobs")
            let batches = await rec.batches
            let second = batches.flatMap { b in zip(b.ids, b.attempts).filter { $0.1 == 2 }.map(\.0) }
            #expect(Set(second) == Set([ids[1], ids[3], ids[5]]))
            #expect(batches.flatMap(\.ids).count == 9)
        }
    }

    @Test("a throwing handler retries every message not explicitly acked; explicit acks survive; ackAll does not")
    func throwRetriesAllButExplicitAcks() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0"), handler: { batch in
            guard batch.messages.first?.attempts == 1 else { return }
            batch.ackAll()
            batch.messages[0].ack()
            batch.messages[1].retry(delaySeconds: 0)
            throw HandlerFailure()
        }) { t, rec in
            let ids = try await t.queue("JOBS").sendBatch(Self.numbers(0..<4))
            try await rec.wait { $0.count >= 2 }
            try await t.waitUntilDelivered("jobs")
            let batches = await rec.batches
            #expect(batches.count == 2)
            #expect(Set(batches[1].ids) == Set(ids[1...]))
            #expect(batches[1].attempts == [2, 2, 2])
        }
    }

    @Test("retryAll(delaySeconds:) holds the messages for exactly that long")
    func retryAllDelay() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0"), handler: { batch in
            if batch.messages.first?.attempts == 1 { batch.retryAll(delaySeconds: 3600) }
        }) { t, rec in
            try await t.queue("JOBS").sendBatch(Self.numbers(0..<3))
            try await t.waitForQueue("jobs") { $0.delayed == 3 && $0.inFlight == 0 }
            // The runtime clock also runs in real time: a margin of 600 s absorbs whatever a loaded
            // machine takes between these steps.
            t.advanceTime(by: 3000)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try t.queues.counts(queue: "jobs").delayed == 3)
            #expect(await rec.batches.count == 1)
            t.advanceTime(by: 600)
            try await rec.wait { $0.count >= 2 }
            #expect(await rec.batches[1].attempts == [2, 2, 2])
        }
    }

    @Test("retry_delay applies to retries that name no delay, including a throw")
    func retryDelayFromConfig() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0\nretry_delay = 300"), handler: { batch in
            if batch.messages.first?.attempts == 1 { throw HandlerFailure() }
        }) { t, rec in
            try await t.queue("JOBS").send(JSONValue.string("x"))
            try await t.waitForQueue("jobs") { $0.delayed == 1 && $0.inFlight == 0 }
            t.advanceTime(by: 290)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await rec.batches.count == 1)
            t.advanceTime(by: 10)
            try await rec.wait { $0.count == 2 }
            #expect(await rec.batches[1].attempts == [2])
        }
    }

    @Test("send delaySeconds holds the message back; the dispatcher wakes when the clock reaches it")
    func sendDelay() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0")) { t, rec in
            let id = try await t.queue("JOBS").send(JSONValue.string("later"), delaySeconds: 120)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await rec.batches.isEmpty)
            #expect(try t.queues.counts(queue: "jobs").delayed == 1)
            t.advanceTime(by: 120)
            try await rec.wait { $0.count == 1 }
            #expect(await rec.batches[0].ids == [id])
        }
    }

    @Test("after max_retries a message moves to its dead-letter queue with the same id, and that queue's consumer gets it")
    func deadLetter() async throws {
        let config = Self.config("max_batch_timeout = 0\nmax_retries = 2\ndead_letter_queue = \"jobs-dlq\"", extra: """
            [[queues.consumers]]
            queue = "jobs-dlq"
            max_batch_timeout = 0
            """)
        try await withQueueRuntime(config, handler: { batch in
            if batch.queue == "jobs" { throw HandlerFailure() }
        }) { t, rec in
            let id = try await t.queue("JOBS").send(["job": 1] as JSONValue)
            try await rec.wait { $0.contains { $0.queue == "jobs-dlq" } }
            let main = await rec.batches(for: "jobs")
            #expect(main.map(\.ids) == [[id], [id], [id]])
            #expect(main.map(\.attempts) == [[1], [2], [3]])
            let dead = await rec.batches(for: "jobs-dlq")
            #expect(dead.map(\.ids) == [[id]])
            #expect(dead[0].attempts == [1])
            #expect(dead[0].bodies == [.json(["job": 1])])
            try await t.waitUntilDelivered("jobs-dlq")
            #expect(try t.queues.counts(queue: "jobs") == QueueCounts(name: "jobs", depth: 0, inFlight: 0, delayed: 0, deadLettered: 1))
        }
    }

    @Test("a dead-letter queue without a consumer keeps the message; without a dead-letter queue it is dropped")
    func deadLetterKeptOrDropped() async throws {
        let config = """
            [[queues.producers]]
            binding = "A"
            queue = "a"
            [[queues.producers]]
            binding = "B"
            queue = "b"
            [[queues.consumers]]
            queue = "a"
            max_batch_timeout = 0
            max_retries = 0
            dead_letter_queue = "a-dlq"
            [[queues.consumers]]
            queue = "b"
            max_batch_timeout = 0
            max_retries = 1
            """
        try await withQueueRuntime(config, handler: { $0.retryAll() }) { t, rec in
            let a = try await t.queue("A").send(JSONValue.number(1))
            let b = try await t.queue("B").send(JSONValue.number(2))
            try await t.waitForQueue("a-dlq") { $0.depth == 1 }
            #expect(try t.queues.messageIDs(queue: "a-dlq") == [a])
            try await t.waitForQueue("b") { $0.deadLettered == 1 }
            #expect(try t.queues.messageIDs(queue: "b").isEmpty)
            #expect(await rec.batches(for: "b").map(\.ids) == [[b], [b]])
            #expect(await rec.batches(for: "a").count == 1)
        }
    }

    @Test("max_concurrency 1: batches never overlap")
    func concurrencyLimit() async throws {
        let running = Mutex((now: 0, peak: 0))
        try await withQueueRuntime(Self.config("max_batch_timeout = 0\nmax_batch_size = 1\nmax_concurrency = 1"), handler: { _ in
            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            try await Task.sleep(for: .milliseconds(20))
            running.withLock { $0.now -= 1 }
        }) { t, rec in
            try await t.queue("JOBS").sendBatch(Self.numbers(0..<6))
            try await rec.wait { $0.count == 6 }
            try await t.waitUntilDelivered("jobs")
        }
        #expect(running.withLock { $0.peak } == 1)
    }

    @Test("rows written by another process (the CLI) are picked up without a wake-up from this one")
    func noticesOtherWriters() async throws {
        try await withQueueRuntime(Self.config("max_batch_timeout = 0")) { t, rec in
            let cli = try QueueStore(stateDirectory: t.stateDirectory, clock: RuntimeClock())
            let id = try await cli.queue(named: "jobs").send(JSONValue.string("from the CLI"))
            try await rec.wait { $0.flatMap(\.ids).contains(id) }
        }
    }

    @Test("graceful shutdown lets an in-flight batch finish and records its ack")
    func shutdownFinishesBatch() async throws {
        let recorder = BatchRecorder()
        let clock = RuntimeClock()
        let worker = QueueTestWorker(recorder: recorder, clock: clock, handler: { _ in
            try await Task.sleep(for: .milliseconds(500))
        })
        let t = try TestRuntime(config: Self.config("max_batch_timeout = 0"), script: WorkerScript(worker: worker), clock: clock)
        defer { t.removeDirectory() }
        try await t.run { t in
            try await t.queue("JOBS").send(JSONValue.null)
            try await recorder.wait { $0.count == 1 }
        }
        let store = try QueueStore(stateDirectory: t.stateDirectory, clock: clock)
        #expect(try store.counts(queue: "jobs") == QueueCounts(name: "jobs", depth: 0, inFlight: 0, delayed: 0, deadLettered: 0))
    }

    @Test("a delayed message keeps its due time across a restart")
    func delayedSurvivesRestart() async throws {
        let recorder = BatchRecorder()
        let clock = RuntimeClock()
        let worker = WorkerScript(worker: QueueTestWorker(recorder: recorder, clock: clock))
        let config = Self.config("max_batch_timeout = 0")
        let first = try TestRuntime(config: config, script: worker, clock: clock)
        defer { first.removeDirectory() }
        let id = try await first.run { t in try await t.queue("JOBS").send(JSONValue.string("tomorrow"), delaySeconds: 3600) }

        let second = try TestRuntime(config: config, script: worker, directory: first.directory, clock: clock)
        try await second.run { t in
            #expect(try t.queues.counts(queue: "jobs").delayed == 1)
            // Real time passed during the restart; a margin of ten minutes keeps the check meaningful.
            t.advanceTime(by: 3000)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await recorder.batches.isEmpty)
            #expect(try t.queues.counts(queue: "jobs").delayed == 1)
            t.advanceTime(by: 600)
            try await recorder.wait { $0.count == 1 }
            #expect(await recorder.batches[0].ids == [id])
        }
    }

    @Test("leases of a dead process or an earlier runtime are released at start; a live owner's lease waits for expiry")
    func abandonedLeases() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = RuntimeClock()
        let store = try QueueStore(stateDirectory: dir + "/state", clock: clock)
        let producer = store.queue(named: "jobs")
        let earlier = try await producer.send(JSONValue.string("earlier runtime"))
        let dead = try await producer.send(JSONValue.string("dead process"))
        let live = try await producer.send(JSONValue.string("live process"))
        // Lease them as crashed consumers would have left them: attempt 1 under way, an hour to run.
        let db = try SQLiteConnection(path: dir + "/state/queues.sqlite")
        let until = clock.nowMilliseconds() + 3_600_000
        for (id, owner) in [(earlier, "\(getpid()):earlier"), (dead, "2147483646:gone"), (live, "1:init")] {
            try db.run("UPDATE messages SET lease_expires = ?, lease_owner = ?, attempts = 1 WHERE id = ?", [.integer(until), .text(owner), .text(id)])
        }

        let recorder = BatchRecorder()
        let t = try TestRuntime(
            config: Self.config("max_batch_timeout = 0"),
            script: WorkerScript(worker: QueueTestWorker(recorder: recorder, clock: clock)), directory: dir, clock: clock
        )
        try await t.run { t in
            try await recorder.wait { Set($0.flatMap(\.ids)).isSuperset(of: [earlier, dead]) }
            #expect(await recorder.batches.flatMap(\.attempts).allSatisfy { $0 == 2 })
            // The delivered batch is acknowledged just after the handler returns: wait for that.
            #expect(try await t.waitForQueue("jobs") { $0.inFlight == 1 }.inFlight == 1)
            #expect(await !recorder.batches.flatMap(\.ids).contains(live))
            t.advanceTime(by: 3601)
            try await recorder.wait { $0.flatMap(\.ids).contains(live) }
        }
    }

    @Test("a worker without a queue handler: messages are retried, then dead-lettered")
    func missingHandler() async throws {
        struct FetchOnly: Worker {
            func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response { .text("") }
        }
        let config = Self.config("max_batch_timeout = 0\nmax_retries = 1\ndead_letter_queue = \"dlq\"")
        try await TestRuntime.with(config: config, script: WorkerScript(worker: FetchOnly())) { t in
            let id = try await t.queue("JOBS").send(JSONValue.null)
            try await t.waitForQueue("dlq") { $0.depth == 1 }
            #expect(try t.queues.messageIDs(queue: "dlq") == [id])
        }
    }
}
