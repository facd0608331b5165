import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Durable Objects")
struct DurableObjectTests {
    @Test func durableIdFromNameIsStableAcrossRestart() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try TestRuntime(config: DOFixtures.config, script: DOFixtures.script, directory: dir)
        let (a, unique) = try await first.run { t in
            let ns = try t.durableObject("COUNTER")
            return (ns.idFromName("x"), ns.newUniqueId())
        }
        #expect(a.hex.count == 64)
        #expect(a.name == "x")
        let second = try TestRuntime(config: DOFixtures.config, script: DOFixtures.script, directory: dir)
        try await second.run { t in
            let ns = try t.durableObject("COUNTER")
            #expect(ns.idFromName("x") == a)
            #expect(ns.idFromName("x").hex == a.hex)
            #expect(ns.idFromName("y") != a)
            #expect(try ns.idFromString(a.hex) == a)
            #expect(try ns.idFromString(unique.hex) == unique)
            #expect(try ns.idFromString(a.hex.uppercased()) == a)
        }
    }

    @Test func durableIdFromStringRejectsBadIds() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let ns = try t.durableObject("COUNTER")
            let good = ns.idFromName("x").hex
            var forged = Array(good)
            forged[0] = forged[0] == "0" ? "1" : "0"
            #expect(throws: DurableObjectError(.invalidId, "Durable Object ID is not valid for this namespace.")) {
                try ns.idFromString(String(forged))
            }
            #expect {
                try ns.idFromString("zz")
            } throws: { error in
                (error as? DurableObjectError)?.message.contains("must be 64 hex digits") == true
            }
            #expect(throws: DurableObjectError.self) { try ns.idFromString(String(repeating: "g", count: 64)) }
            // The object is still usable afterwards.
            let r = try await ns.getByName("x").fetch("/increment")
            #expect(try await r.text() == "1")
        }
    }

    @Test func durableHundredConcurrentIncrementsThroughFetch() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let results = await withTaskGroup(of: (String, String).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let r = await t.dispatchFetch("/c/increment")
                        let i = await t.dispatchFetch("/c/instance")
                        return ((try? await r.text()) ?? "", (try? await i.text()) ?? "")
                    }
                }
                var out: [(String, String)] = []
                for await r in group { out.append(r) }
                return out
            }
            #expect(Set(results.map(\.0)) == Set((1...100).map(String.init)))
            #expect(Set(results.map(\.1)).count == 1, "one live instance per id")
            let count = try await t.dispatchFetch("/c/count").text()
            #expect(count == "100")
        }
    }

    @Test func durableConcurrentFirstCallsConstructOnceAfterBlockConcurrencyWhile() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let ns = try t.durableObject("COUNTER")
            let stub = ns.getByName("slow")
            try await stub.call { (c: Counter) in try await c.storage().put("initDelayMs", 200) }
            #expect(await t.durableObjects?.evictAll() == 1)
            let responses = await withTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let r = try? await stub.fetch("/instance")
                        return (r?.status.code ?? 0, (try? await r?.text()) ?? "")
                    }
                }
                var out: [(Int, String)] = []
                for await r in group { out.append(r) }
                return out
            }
            #expect(responses.allSatisfy { $0.0 == 200 }, "no event reached the object before its constructor finished")
            #expect(Set(responses.map(\.1)).count == 1)
        }
    }

    @Test func durableRPCAndErrorsReachTheCaller() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stub = try t.durableObject("COUNTER").getByName("rpc")
            let a = try await stub.call { (c: Counter) in try await c.increment() }
            let b = try await stub.call { (c: Counter) in try await c.increment() }
            #expect((a, b) == (1, 2))
            await #expect(throws: CounterFailure(message: "rpc boom")) {
                try await stub.call { (c: Counter) in try await c.fail() }
            }
            await #expect(throws: CounterFailure.self) { try await stub.fetch("/throw") }
            let r = await t.dispatchFetch("/rpc/throw")
            #expect(r.status.code == 500)
            #expect(try await stub.call { (c: Counter) in try await c.increment() } == 3)
        }
    }

    @Test func durableUnexportedClassIsABootError() throws {
        let config = """
            name = "x"
            [[durable_objects.bindings]]
            name = "MISSING"
            class_name = "Nope"
            """
        #expect {
            _ = try TestRuntime(config: config, script: DOFixtures.script)
        } throws: { error in
            let text = "\(error)"
            return text.contains("MISSING") && text.contains("Nope")
        }
    }

    @Test func durableEvictionDropsMemoryAndKeepsStorage() async throws {
        let options = DurableObjectOptions(idleTimeout: .milliseconds(300), schedulerInterval: .milliseconds(20))
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script, durableObjects: options) { t in
            #expect(try await t.dispatchFetch("/e/increment").text() == "1")
            #expect(try await t.dispatchFetch("/e/increment").text() == "2")
            #expect(try await t.dispatchFetch("/e/memory").text() == "1")
            #expect(try await t.dispatchFetch("/e/memory").text() == "2")
            let before = try await t.dispatchFetch("/e/instance").text()
            let evicted = try await DOFixtures.waitUntil { t.durableObjects?.liveObjectIDs(className: "Counter").isEmpty == true }
            #expect(evicted)
            #expect(try await t.dispatchFetch("/e/memory").text() == "1", "in-memory fields are gone")
            #expect(try await t.dispatchFetch("/e/count").text() == "2", "storage is intact")
            #expect(try await t.dispatchFetch("/e/instance").text() != before)
        }
    }

    @Test func durableIdleMemoryDoesNotGrowWithObjectsTouched() async throws {
        let options = DurableObjectOptions(idleTimeout: .milliseconds(200), schedulerInterval: .milliseconds(20))
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script, durableObjects: options) { t in
            for i in 0..<200 {
                _ = await t.dispatchFetch("/o\(i)/increment")
            }
            let drained = try await DOFixtures.waitUntil { t.durableObjects?.liveObjectIDs(className: "Counter").isEmpty == true }
            #expect(drained)
            #expect(try await t.dispatchFetch("/o7/count").text() == "1")
        }
    }

    @Test func durableBlockConcurrencyWhileThrowResetsTheObject() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stub = try t.durableObject("COUNTER").getByName("bcw")
            _ = try await stub.fetch("/memory")
            let before = try await stub.fetch("/instance").text()
            await #expect(throws: CounterFailure(message: "bcw boom")) {
                try await stub.call { (c: Counter) in try await c.blockAndThrow() }
            }
            #expect(try await stub.fetch("/instance").text() != before)
            #expect(try await stub.fetch("/memory").text() == "1")
        }
    }

    @Test func durableBlockConcurrencyWhileOverrunResetsTheObject() async throws {
        // The limit also covers the object's own start-up (a trivial blockConcurrencyWhile), so it
        // leaves that room on a busy machine; the body overruns it threefold.
        let options = DurableObjectOptions(blockConcurrencyTimeout: .seconds(1))
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script, durableObjects: options) { t in
            let stub = try t.durableObject("COUNTER").getByName("slowbcw")
            let before = try await stub.fetch("/instance").text()
            await #expect(throws: DurableObjectError.self) {
                try await stub.call { (c: Counter) in try await c.blockFor(.seconds(3)) }
            }
            #expect(try await stub.fetch("/instance").text() != before)
        }
    }

    @Test func durableBlockConcurrencyWhileHoldsOtherEvents() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stub = try t.durableObject("COUNTER").getByName("gate")
            _ = try await stub.fetch("/memory")
            let start = ContinuousClock.now
            async let blocked: Void = stub.call { (c: Counter) in try await c.blockFor(.milliseconds(400)) }
            try await Task.sleep(for: .milliseconds(100))
            let r = try await stub.fetch("/memory").text()
            let elapsed = ContinuousClock.now - start
            try await blocked
            #expect(r == "2")
            #expect(elapsed >= .milliseconds(400), "the event waited for blockConcurrencyWhile to finish")
        }
    }
}
