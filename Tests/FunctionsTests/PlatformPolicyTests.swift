@testable import Durable
import Foundation
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

    @Test("background writer queue: the latest value per key in arrival order; a withdrawn value is never handed out")
    func coalescingQueue() {
        let q = CoalescingQueue<String, JobTimer.Change>()
        let timeout = JobTimer.Change.set(JobTimer(kind: .timeout, jobId: "a", attempt: 1, dueAt: 10))
        #expect(q.add("timeout:a", timeout), "the first value starts a writer")
        #expect(!q.add("release:b", .set(JobTimer(kind: .release, jobId: "b", dueAt: 5))), "one writer at a time")
        // A cancel meeting its own unsent timer takes it back: the scheduler never hears of either.
        let isSet: (JobTimer.Change) -> Bool = { if case .set = $0 { true } else { false } }
        #expect(q.withdraw("timeout:a", if: isSet))
        #expect(!q.withdraw("timeout:a", if: isSet))
        #expect(!q.add("release:b", .cancel(.release, jobId: "b")))
        #expect(q.next() == [.cancel(.release, jobId: "b")])
        #expect(q.next() == nil, "empty: the writer stops")
        #expect(q.add("timeout:a", timeout), "the next value starts a writer again")
    }

    @Test("timestamps read as ISO 8601 in UTC with milliseconds: Foundation's date and time to the second, exact milliseconds, across eras and leap days")
    func timestamps() {
        // Foundation's fractional seconds come from a Double and can be one millisecond low
        // (0.999 → .998), so the date and time are compared to the second and the milliseconds exactly.
        let seconds = Date.ISO8601FormatStyle()
        var samples: [Int64] = [0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001, 951_782_400_000, 951_868_799_999, 4_107_542_400_000,
                                1_795_414_211_123, 253_402_300_799_999]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { samples.append(Int64.random(in: 0...253_402_300_799_999, using: &rng)) }
        for ms in samples {
            let whole = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
            let millis = ms - whole * 1000
            let expected = String(seconds.format(Date(timeIntervalSince1970: Double(whole))).dropLast()) + "." + String(format: "%03d", millis) + "Z"
            #expect(PlatformTime.iso8601(ms) == expected, "\(ms)")
        }
        #expect(PlatformTime.iso8601(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(PlatformTime.iso8601(-1) == "1969-12-31T23:59:59.999Z")
    }
}
