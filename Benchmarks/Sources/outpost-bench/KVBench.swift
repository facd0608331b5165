import Foundation
import Outpost

/// KV put/get through the binding, beside raw SQLite doing the same statements on the same kind of file.
enum KVBench {
    static func run() async throws {
        let puts = 2_000
        let gets = 50_000
        let dir = Bench.temporaryDirectory("kv")
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // Raw SQLite baseline: same schema, WAL, synchronous=FULL, one autocommit statement per write.
        let raw = try SQLiteConnection(path: dir + "/raw.sqlite")
        try raw.execute("CREATE TABLE kv (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expiration INTEGER, metadata TEXT, PRIMARY KEY (namespace, key)) WITHOUT ROWID")
        let value = [UInt8](repeating: 42, count: 256)
        let rawPut = try await Bench.time {
            for i in 0..<puts {
                try raw.run("INSERT OR REPLACE INTO kv (namespace, key, value, expiration, metadata) VALUES (?, ?, ?, ?, ?)", [.text("ns"), .text("key\(i)"), .blob(value), .null, .null])
            }
        }
        let rawGet = try await Bench.time {
            for i in 0..<gets {
                _ = try raw.query("SELECT value, metadata FROM kv WHERE namespace = ? AND key = ? AND (expiration IS NULL OR expiration > ?)", [.text("ns"), .text("key\(i % puts)"), .integer(0)])
            }
        }

        let store = try KVStore(stateDirectory: dir + "/state", clock: RuntimeClock())
        let kv = store.namespace(id: "ns")
        let bindingPut = try await Bench.time {
            for i in 0..<puts { try await kv.put("key\(i)", bytes: value) }
        }
        let bindingGet = try await Bench.time {
            for i in 0..<gets { _ = try await kv.getBytes("key\(i % puts)") }
        }
        // 64 concurrent writers through the binding (the raw connection cannot run concurrently).
        let concurrentPut = try await Bench.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<64 {
                    group.addTask {
                        for i in 0..<(puts / 64) { try await kv.put("c\(w)-\(i)", bytes: value) }
                    }
                }
                try await group.waitForAll()
            }
        }

        Bench.table("KV binding vs raw SQLite (256-byte values, fsync per put)", unit: "ops/s", rows: [
            ("put, sequential", Double(puts) / bindingPut, Double(puts) / rawPut),
            ("get, sequential", Double(gets) / bindingGet, Double(gets) / rawGet),
            ("put, 64 concurrent writers", Double(puts / 64 * 64) / concurrentPut, Double(puts) / rawPut),
        ])
    }
}
