@testable import Durable
import Foundation
import NIOConcurrencyHelpers
import Outpost
import Testing

/// The one loop that serves the orchestrator's watcher deadlines (`?wait=`, SSE).
@Suite("Watch deadlines")
struct WatchDeadlinesTests {
    static func job(_ id: String, _ status: JobStatus) -> JobRecord {
        JobRecord(
            seq: 1, id: id, owner: "u", type: "noop.run", status: status, priority: .normal, attempts: 1, maxAttempts: 3,
            progress: 0, stage: nil, createdAt: 0, startedAt: nil, finishedAt: nil, notBefore: 0, params: [:],
            inputKey: nil, resultText: nil, error: nil, outputs: [], webhookURL: nil, instance: nil, ownerRole: nil
        )
    }

    @Test("at its deadline a watcher gets the state expire gives and its stream ends; the loop then stops")
    func deadlineAnswersAndEnds() async {
        let deadlines = WatchDeadlines()
        let (updates, continuation) = AsyncStream.makeStream(of: JobRecord.self)
        let asked = NIOLockedValueBox<[Int]>([])
        let loop = deadlines.add(7, id: "a", deadline: .milliseconds(20), continuation: continuation) { id, key in
            asked.withLockedValue { $0.append(key) }
            return Self.job(id, .running)
        }
        #expect(loop != nil, "the first watcher starts the loop")
        let task = Task { await loop?() }
        var seen: [JobRecord] = []
        for await update in updates { seen.append(update) }
        #expect(seen.map(\.id) == ["a"])
        #expect(seen.first?.status == .running)
        #expect(asked.withLockedValue { $0 } == [7])
        await task.value
        #expect(deadlines.count == 0)
    }

    @Test("a watcher whose stream ended first is removed; a second watcher joins the running loop")
    func removedWatcherIsNotAsked() async {
        let deadlines = WatchDeadlines()
        let (_, first) = AsyncStream.makeStream(of: JobRecord.self)
        let (updates, second) = AsyncStream.makeStream(of: JobRecord.self)
        let asked = NIOLockedValueBox<[Int]>([])
        let expire: WatchDeadlines.Expire = { _, key in
            asked.withLockedValue { $0.append(key) }
            return nil
        }
        let loop = deadlines.add(1, id: "a", deadline: .milliseconds(30), continuation: first, expire: expire)
        #expect(deadlines.add(2, id: "b", deadline: .milliseconds(60), continuation: second, expire: expire) == nil)
        deadlines.remove(1)
        let task = Task { await loop?() }
        for await _ in updates {}
        await task.value
        #expect(asked.withLockedValue { $0 } == [2], "only the watcher still there reached its deadline")
    }

    @Test("cancelling the loop (shutdown) ends every stream still open, with or without a deadline")
    func shutdownEndsEveryStream() async {
        let deadlines = WatchDeadlines()
        let (sse, c1) = AsyncStream.makeStream(of: JobRecord.self)
        let (wait, c2) = AsyncStream.makeStream(of: JobRecord.self)
        let loop = deadlines.add(1, id: "a", deadline: nil, continuation: c1) { _, _ in nil }
        _ = deadlines.add(2, id: "b", deadline: .seconds(3600), continuation: c2) { _, _ in nil }
        let task = Task { await loop?() }
        task.cancel()
        for await _ in sse {}
        for await _ in wait {}
        await task.value
        #expect(deadlines.count == 0)
    }
}
