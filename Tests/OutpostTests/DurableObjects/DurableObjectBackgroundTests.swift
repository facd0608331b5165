import Foundation
import NIOConcurrencyHelpers
import Outpost
import OutpostTesting
import Testing

/// `state.waitUntil` (pins the object, cancelled first at shutdown) and `storage.sync()`.
@Suite("Durable Object background work")
struct DurableObjectBackgroundTests {
    @Test("an object with background work is not evicted until the work ends")
    func waitUntilPins() async throws {
        let (gate, release) = AsyncStream.makeStream(of: Void.self)
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stub = try t.durableObject("COUNTER").getByName("pinned")
            try await stub.call { (c: Counter) in
                c.state.waitUntil { for await _ in gate {} }
            }
            #expect(await t.durableObjects?.evictAll() == 0)
            #expect(t.durableObjects?.liveObjectIDs(className: "Counter").count == 1)
            release.finish()
            let evicted = try await DOFixtures.waitUntil { await t.durableObjects?.evictAll() == 1 }
            #expect(evicted)
        }
    }

    @Test("shutdown cancels background work before storage closes")
    func shutdownCancels() async throws {
        let cancelled = NIOLockedValueBox(false)
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await t.durableObject("COUNTER").getByName("a").call { (c: Counter) in
                c.state.waitUntil {
                    try? await Task.sleep(for: .seconds(3600))
                    cancelled.withLockedValue { $0 = Task.isCancelled }
                }
            }
            #expect(t.durableObjects?.tasks.count == 1)
        }
        #expect(cancelled.withLockedValue { $0 })
    }

    @Test("storage.sync() commits the writes so far: another connection sees them before the event ends")
    func sync() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stub = try t.durableObject("COUNTER").getByName("synced")
            let path = t.stateDirectory + "/do/Counter/" + stub.id.hex + ".sqlite"
            let seen = try await stub.call { (c: Counter) -> (before: Int, after: Int) in
                _ = try await c.storage().sql.exec("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
                try await c.storage().sync()
                _ = try await c.storage().sql.exec("INSERT INTO t VALUES (1)")
                let before = try Self.rows(path)
                try await c.storage().sync()
                return (before, try Self.rows(path))
            }
            #expect(seen.before == 0)
            #expect(seen.after == 1)
        }
    }

    static func rows(_ path: String) throws -> Int {
        let reader = try SQLiteConnection(path: path, readOnly: true)
        return try reader.query("SELECT COUNT(*) FROM t").first?.first?.int ?? -1
    }
}
