import Foundation
import Outpost
import OutpostTesting

/// The benchmark's object: one durable `put` per request.
actor BenchCounter: DurableObject {
    let state: DurableObjectState
    var n = 0

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
    }

    func fetch(_ request: Request) async throws -> Response {
        if request.method == .get { return Response(status: .ok) }
        n += 1
        try state.storage.put("count", n)
        return Response(status: .ok)
    }
}

struct BenchWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        Response(status: .notFound)
    }
}

/// Durable Objects: durable writes/s through `stub.fetch` (one hot object, 1,000 objects),
/// raw SQLite commits (synchronous = FULL, one fsync per commit) in the same run as the
/// baseline, and cold activation.
enum DurableObjectBench {
    static let callers = 64
    static let requests = 20_000

    static func run() async throws {
        let config = """
            name = "bench"
            [[durable_objects.bindings]]
            name = "BENCH"
            class_name = "BenchCounter"
            [[migrations]]
            tag = "v1"
            new_sqlite_classes = ["BenchCounter"]
            """
        let t = try TestRuntime(
            config: config,
            script: WorkerScript(worker: BenchWorker(), durableObjects: ["BenchCounter": BenchCounter.self]),
            logLevel: .error
        )
        defer { t.removeDirectory() }
        let results = try await t.run { t in try await measure(runtime: t.runtime, dir: t.directory) }
        report(results)
    }

    struct Results: Sendable {
        var rawCommitsPerSecond = 0.0
        var hotPerSecond = 0.0
        var spreadPerSecond = 0.0
        var coldMedianMicros = 0.0
        var warmMedianMicros = 0.0
    }

    static func measure(runtime: Runtime, dir: String) async throws -> Results {
        var results = Results()
        let ns = try runtime.env.durableObject("BENCH")
        let subsystem = runtime.subsystem(DurableObjectsSubsystem.self)!

        results.rawCommitsPerSecond = try rawSQLite(path: dir + "/raw.sqlite", seconds: 3)

        let hot = ns.getByName("hot")
        _ = try await hot.fetch("/", method: .post)
        results.hotPerSecond = try await throughput { _ in hot }

        let stubs = (0..<1000).map { ns.getByName("spread-\($0)") }
        for s in stubs { _ = try await s.fetch("/", method: .post) }
        results.spreadPerSecond = try await throughput { i in stubs[i % stubs.count] }

        // Cold activation: every object has a file; evict them all, then time the first call to each.
        var cold: [Double] = []
        var warm: [Double] = []
        _ = await subsystem.evictAll()
        for s in stubs {
            let start = ContinuousClock.now
            _ = try await s.fetch("/")
            cold.append(micros(ContinuousClock.now - start))
        }
        for s in stubs {
            let start = ContinuousClock.now
            _ = try await s.fetch("/")
            warm.append(micros(ContinuousClock.now - start))
        }
        results.coldMedianMicros = median(cold)
        results.warmMedianMicros = median(warm)
        return results
    }

    /// Requests/s with `callers` concurrent callers, each POST doing one durable put.
    static func throughput(_ stub: @escaping @Sendable (Int) -> DurableObjectStub) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                group.addTask {
                    var i = c
                    while i < requests {
                        let r = try await stub(i).fetch("/", method: .post)
                        precondition(r.status == .ok)
                        i += callers
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(requests) / seconds(ContinuousClock.now - start)
    }

    /// The baseline: one SQLite connection (WAL, synchronous = FULL) committing one
    /// `INSERT OR REPLACE` per transaction, as a naive per-request commit would.
    static func rawSQLite(path: String, seconds limit: Double) throws -> Double {
        let conn = try SQLiteConnection(path: path, synchronous: .full)
        try conn.execute("CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID")
        let start = ContinuousClock.now
        var n = 0
        while seconds(ContinuousClock.now - start) < limit {
            n += 1
            try conn.run("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", [.blob(Array("count".utf8)), .blob(Array("\(n)".utf8))])
        }
        return Double(n) / seconds(ContinuousClock.now - start)
    }

    static func report(_ r: Results) {
        func f(_ v: Double) -> String { String(format: "%.0f", v) }
        func ratio(_ v: Double) -> String { String(format: "%.1fx", v / r.rawCommitsPerSecond) }
        printTable(["measure", "value", "vs raw SQLite"], [
            ["raw SQLite commits/s (synchronous=FULL, 1 fsync each)", f(r.rawCommitsPerSecond), "1.0x"],
            ["stub.fetch + 1 durable put, 1 hot object, \(callers) callers (req/s)", f(r.hotPerSecond), ratio(r.hotPerSecond)],
            ["stub.fetch + 1 durable put, 1,000 objects, \(callers) callers (req/s)", f(r.spreadPerSecond), ratio(r.spreadPerSecond)],
            ["cold activation + fetch, median (µs)", f(r.coldMedianMicros), ""],
            ["warm fetch (no write), median (µs)", f(r.warmMedianMicros), ""],
        ])
        print("targets: hot object ≥ 5000 durable writes/s: \(r.hotPerSecond >= 5000 ? "met" : "MISSED"); cold activation < 1000 µs median: \(r.coldMedianMicros < 1000 ? "met" : "MISSED")")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func micros(_ d: Duration) -> Double { seconds(d) * 1e6 }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }
}
