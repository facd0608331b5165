@testable import Durable
import Outpost
import Testing

/// The orchestrator's plain-value parts: slot packing and scaling, retry backoff, prices.
@Suite("Platform policies")
struct PlatformPolicyTests {
    @Test("jobs pack onto the lowest busy instance; a new one only when all busy ones are full, up to max_instances")
    func instancePool() {
        var pool = InstancePool()
        var taken: [(Int, Bool)] = []
        for _ in 0..<7 {
            guard let slot = pool.acquire(className: "V", concurrency: 3, maxInstances: 2) else { break }
            taken.append((slot.index, slot.scaledUp))
        }
        #expect(taken.map(\.0) == [1, 1, 1, 2, 2, 2])
        #expect(taken.map(\.1) == [true, false, false, true, false, false])
        let none = pool.acquire(className: "V", concurrency: 3, maxInstances: 2)
        #expect(none == nil)
        #expect(pool.busyInstances("V") == 2)
        // A freed slot is reused before any scaling; an instance with no work leaves the busy set.
        let idle = pool.release(className: "V", index: 1)
        #expect(!idle)
        let reused = pool.acquire(className: "V", concurrency: 3, maxInstances: 2)
        #expect(reused?.index == 1 && reused?.scaledUp == false)
        for _ in 0..<3 { pool.release(className: "V", index: 2) }
        #expect(pool.busyInstances("V") == 1)
        #expect(pool.jobs(className: "V", index: 2) == 0)
        // Other classes are independent.
        let other = pool.acquire(className: "W", concurrency: 1, maxInstances: 1)
        #expect(other?.index == 1)
    }

    @Test("retry backoff doubles from JOB_RETRY_BASE_SECONDS and stops at 5 minutes")
    func backoff() {
        let settings = PlatformSettings(env: Env(vars: ["JOB_RETRY_BASE_SECONDS": "2"], bindings: [:]))
        #expect((1...5).map { settings.retryDelay(afterAttempt: $0) } == [2, 4, 8, 16, 32])
        #expect(settings.retryDelay(afterAttempt: 20) == 300)
    }

    @Test("hourly prices follow Cloudflare's per-second vCPU, memory and disk prices")
    func prices() throws {
        let standard1 = try #require(InstanceTypes.named("standard-1"))
        // 3600 × (0.5 × 0.000020 + 4 × 0.0000025 + 8 × 0.00000007)
        #expect(abs(CostTable.hourlyPrice(standard1) - 0.074016) < 1e-9)
        let lite = try #require(InstanceTypes.named("lite"))
        #expect(CostTable.hourlyPrice(lite) < CostTable.hourlyPrice(standard1))
    }
}
