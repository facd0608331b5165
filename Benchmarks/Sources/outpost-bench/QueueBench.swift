import Foundation
import Outpost
import OutpostTesting
import Synchronization

/// Queues: messages/s from `sendBatch` (batches of 100) to consumer ack, and end-to-end delivery
/// latency at max_batch_timeout 0, each beside raw SQLite inserts of the same messages in the same run.
enum QueueBench {
    static let messages = Int(ProcessInfo.processInfo.environment["QUEUE_BENCH_MESSAGES"] ?? "") ?? 20_000
    static let latencySamples = Int(ProcessInfo.processInfo.environment["QUEUE_BENCH_LATENCY_SAMPLES"] ?? "") ?? 500
    static let producers = 4

    static func body(_ i: Int) -> JSONValue { ["job": .number(Double(i)), "kind": "video", "input": .string("uploads/clip-\(i).mp4")] }

    /// Counts acks; for the latency phase, wakes the sender when its message arrives.
    final class Sink: Sendable {
        let delivered = Mutex(0)
        let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
        let trackArrivals = Mutex(false)
    }

    struct BenchWorker: Worker {
        let sink: Sink
        func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response { .text("") }
        func queue(_ batch: MessageBatch, env: Env, context: ExecutionContext) async throws {
            let now = ContinuousClock.now
            if sink.trackArrivals.withLock({ $0 }) {
                sink.arrivals.withLock { a in for m in batch.messages { a[m.id] = now } }
            }
            batch.ackAll()
            sink.delivered.withLock { $0 += batch.messages.count }
        }
    }

    static let config = """
        name = "queue-bench"
        [[queues.producers]]
        binding = "JOBS"
        queue = "bench-jobs"
        [[queues.consumers]]
        queue = "bench-jobs"
        max_batch_size = 100
        max_batch_timeout = 0
        """

    static func run() async throws {
        print("== queues: \(messages) messages, sendBatch of 100 from \(producers) producers; \(latencySamples) latency samples ==")
        let raw = try rawInserts()
        let sink = Sink()
        try await TestRuntime.with(config: config, script: WorkerScript(worker: BenchWorker(sink: sink))) { t in
            let queue = try t.queue("JOBS")

            // Throughput: producers send while the consumer drains; the clock stops when the last ack is committed.
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<producers {
                    group.addTask {
                        var i = p * 100
                        while i < messages {
                            try await queue.sendBatch((i..<min(i + 100, messages)).map { MessageSendRequest(body: body($0)) })
                            i += producers * 100
                        }
                    }
                }
                try await group.waitForAll()
            }
            let sent = ContinuousClock.now - start
            // Watch the handler's count (cheap), then confirm the last acks are committed.
            while sink.delivered.withLock({ $0 }) < messages { try await Task.sleep(for: .milliseconds(1)) }
            try await t.waitUntilDelivered("bench-jobs", timeout: 600)
            let total = ContinuousClock.now - start
            let queueRate = Double(messages) / total.seconds
            print(String(format: "throughput  send+consume+ack: %8.0f msg/s  (%.2f s; sends alone %.0f msg/s)", queueRate, total.seconds, Double(messages) / sent.seconds))
            print(String(format: "baseline    raw SQLite insert: %8.0f msg/s  (same rows, 100 per fsync'd transaction)", raw.rate))
            print(String(format: "ratio       queue / raw:       %8.2f   target ≥ 5000 msg/s: %@", queueRate / raw.rate, queueRate >= 5000 ? "met" : "NOT met"))

            // Latency: one message at a time, from the start of send() to the handler receiving it.
            sink.trackArrivals.withLock { $0 = true }
            var latencies: [Double] = []
            var sendTimes: [Double] = []
            for i in 0..<latencySamples {
                let before = ContinuousClock.now
                let id = try await queue.send(body(i))
                sendTimes.append((ContinuousClock.now - before).seconds * 1000)
                var arrived: ContinuousClock.Instant?
                while arrived == nil {
                    arrived = sink.arrivals.withLock { $0[id] }
                    if arrived == nil { try await Task.sleep(for: .microseconds(100)) }
                }
                latencies.append((arrived! - before).seconds * 1000)
            }
            try await t.waitUntilDelivered("bench-jobs")
            let p = percentiles(latencies)
            let sp = percentiles(sendTimes)
            print(String(format: "latency     send() returns:    p50 %6.2f ms  p99 %6.2f ms  (durable)", sp.p50, sp.p99))
            print(String(format: "latency     send → handler:    p50 %6.2f ms  p99 %6.2f ms  (max_batch_timeout 0)", p.p50, p.p99))
            print(String(format: "baseline    raw SQLite commit: p50 %6.2f ms  p99 %6.2f ms  (one row, fsync)", raw.commitP50, raw.commitP99))
            print(String(format: "ratio       p50 queue / raw:   %8.2f", p.p50 / raw.commitP50))
        }
    }

    struct RawResult { var rate: Double; var commitP50: Double; var commitP99: Double }

    /// The same messages written straight to SQLite (WAL, synchronous=FULL), 100 rows per transaction,
    /// then single-row commits for the latency baseline.
    static func rawInserts() throws -> RawResult {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try SQLiteConnection(path: dir + "/raw.sqlite")
        try db.execute("CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, queue TEXT NOT NULL, body BLOB NOT NULL, content_type TEXT NOT NULL, timestamp INTEGER NOT NULL, visible_at INTEGER NOT NULL)")
        let bodies = (0..<messages).map { Array(body($0).serialized().utf8) }
        let start = ContinuousClock.now
        var i = 0
        while i < messages {
            let end = min(i + 100, messages)
            try db.transaction {
                for j in i..<end {
                    try db.run("INSERT INTO messages (id, queue, body, content_type, timestamp, visible_at) VALUES (?, 'raw', ?, 'json', 0, 0)",
                               [.text(UUID().uuidString), .blob(bodies[j])])
                }
            }
            i = end
        }
        let rate = Double(messages) / (ContinuousClock.now - start).seconds
        // Single-row commits on a fresh file, so the bulk load's WAL checkpoints do not weigh on them.
        let fresh = try SQLiteConnection(path: dir + "/raw-latency.sqlite")
        try fresh.execute("CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, queue TEXT NOT NULL, body BLOB NOT NULL, content_type TEXT NOT NULL, timestamp INTEGER NOT NULL, visible_at INTEGER NOT NULL)")
        var commits: [Double] = []
        for j in 0..<latencySamples {
            let t0 = ContinuousClock.now
            try fresh.run("INSERT INTO messages (id, queue, body, content_type, timestamp, visible_at) VALUES (?, 'raw', ?, 'json', 0, 0)",
                          [.text(UUID().uuidString), .blob(bodies[j % bodies.count])])
            commits.append((ContinuousClock.now - t0).seconds * 1000)
        }
        let p = percentiles(commits)
        return RawResult(rate: rate, commitP50: p.p50, commitP99: p.p99)
    }

    static func percentiles(_ values: [Double]) -> (p50: Double, p99: Double) {
        let s = values.sorted()
        guard !s.isEmpty else { return (0, 0) }
        return (s[s.count / 2], s[min(s.count - 1, Int(Double(s.count) * 0.99))])
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
