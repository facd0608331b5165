import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Durable Object alarms")
struct DurableObjectAlarmTests {
    static func runs(_ t: TestRuntime, _ name: String) async throws -> [AlarmRun] {
        try await t.durableObject("COUNTER").getByName(name).call { (c: Counter) in
            try await c.storage().get("alarmRuns", as: [AlarmRun].self) ?? []
        }
    }

    @Test func durableAlarmSetBeforeRestartFiresOnceAfter() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let options = DurableObjectOptions(schedulerInterval: .milliseconds(20))
        let first = try TestRuntime(config: DOFixtures.config, script: DOFixtures.script, directory: dir, durableObjects: options)
        try await first.run { t in
            try await t.durableObject("COUNTER").getByName("a").call { (c: Counter) in
                try await c.storage().setAlarm(afterSeconds: 60)
            }
        }
        let second = try TestRuntime(config: DOFixtures.config, script: DOFixtures.script, directory: dir, durableObjects: options)
        try await second.run { t in
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await Self.runs(t, "a").isEmpty, "not due yet")
            t.advanceTime(by: 61)
            let fired = try await DOFixtures.waitUntil { try await Self.runs(t, "a").count >= 1 }
            #expect(fired)
            try await Task.sleep(for: .milliseconds(300))
            let runs = try await Self.runs(t, "a")
            #expect(runs.count == 1)
            #expect(runs.first?.retryCount == 0)
            #expect(runs.first?.isRetry == false)
            #expect(runs.first?.alarmInside == nil, "getAlarm() is nil inside the handler")
            let after = try await t.durableObject("COUNTER").getByName("a").call { (c: Counter) in try await c.storage().getAlarm() }
            #expect(after == nil)
        }
    }

    @Test func durablePastAlarmFiresAtOnceAndSetAlarmReplaces() async throws {
        let options = DurableObjectOptions(schedulerInterval: .milliseconds(20))
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script, durableObjects: options) { t in
            let stub = try t.durableObject("COUNTER").getByName("p")
            let later = t.clock.nowMilliseconds() + 3_600_000
            try await stub.call { (c: Counter) in
                let s = await c.storage()
                try s.setAlarm(later)
                #expect(try s.getAlarm() == later)
                try s.setAlarm(t.clock.nowMilliseconds() - 1000)
            }
            let fired = try await DOFixtures.waitUntil { try await Self.runs(t, "p").count == 1 }
            #expect(fired)
            let deleted = try await stub.call { (c: Counter) -> Int64? in
                let s = await c.storage()
                try s.setAlarm(later)
                try s.deleteAlarm()
                return try s.getAlarm()
            }
            #expect(deleted == nil)
        }
    }

    @Test func durableThrowingAlarmRetriesWithGrowingDelaysThenStops() async throws {
        let options = DurableObjectOptions(alarmRetryBaseDelay: 0.05, schedulerInterval: .milliseconds(10))
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script, durableObjects: options) { t in
            let stub = try t.durableObject("COUNTER").getByName("r")
            try await stub.call { (c: Counter) in
                let s = await c.storage()
                try s.put("alarmThrows", true)
                try s.setAlarm(t.clock.nowMilliseconds())
            }
            let done = try await DOFixtures.waitUntil(timeout: 60) { try await Self.runs(t, "r").count >= 7 }
            #expect(done)
            try await Task.sleep(for: .seconds(2))
            let runs = try await Self.runs(t, "r")
            #expect(runs.count == 7, "1 run + 6 retries, then it stops")
            #expect(runs.map(\.retryCount) == Array(0...6))
            #expect(runs.map(\.isRetry) == [false] + Array(repeating: true, count: 6))
            let gaps = zip(runs.dropFirst(), runs).map { $0.at - $1.at }
            for (i, gap) in gaps.enumerated() {
                #expect(gap >= options.alarmRetryDelay(afterAttempt: i) * 0.9, "retry \(i + 1) waited its backoff")
            }
            // The lower bounds above grow 0.05 s → 1.6 s; a slow first fsync on a loaded machine can
            // stretch an early gap, so the gaps themselves are not compared with each other.
            #expect(gaps.last! >= options.alarmRetryDelay(afterAttempt: 5) * 0.9, "the last retry waited 32× the base delay")
            let alarm = try await stub.call { (c: Counter) in try await c.storage().getAlarm() }
            #expect(alarm == nil)
        }
    }
}
