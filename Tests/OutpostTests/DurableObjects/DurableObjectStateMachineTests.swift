import NIOConcurrencyHelpers
@testable import Outpost
import Testing

@Suite("Durable Object state machines")
struct DurableObjectStateMachineTests {
    @Test func groupCommitBatchesWaitersBehindOneSync() {
        var s = GroupCommitState<String>()
        #expect(s.wait(for: 0, "none") == .ready)
        let c1 = s.didCommit()
        #expect(s.wait(for: c1, "a") == .lead)
        let round1 = s.startRound()
        #expect(round1 == 1)
        let c2 = s.didCommit()
        let c3 = s.didCommit()
        #expect(s.wait(for: c2, "b") == .wait)
        #expect(s.wait(for: c3, "c") == .wait)
        let (released1, next1) = s.finishRound(round1)
        #expect(released1.isEmpty)
        #expect(next1 == "b", "the first waiter leads the next round")
        let round2 = s.startRound()
        #expect(round2 == 3, "one round covers every commit written so far")
        let (released2, next2) = s.finishRound(round2)
        #expect(released2 == ["c"])
        #expect(next2 == nil)
        #expect(!s.syncing)
        #expect(s.wait(for: c3, "d") == .ready)
    }

    @Test func groupCommitFailureFailsEveryWaiter() {
        var s = GroupCommitState<Int>()
        let c = s.didCommit()
        #expect(s.wait(for: c, 0) == .lead)
        #expect(s.wait(for: c, 1) == .wait)
        #expect(s.wait(for: c, 2) == .wait)
        let failed = s.failRound()
        #expect(failed == [1, 2])
        #expect(s.wait(for: c, 3) == .lead)
    }

    @Test("afterDurable actions run in order when the round that makes their commit durable ends, not before; a failed round keeps them")
    func groupCommitActionsWaitForTheirCommit() {
        var s = GroupCommitState<String>()
        let ran = NIOLockedValueBox<[Int]>([])
        func action(_ n: Int) -> @Sendable () -> Void { { ran.withLockedValue { $0.append(n) } } }
        // Nothing written yet: an action for commit 0 runs at once.
        #expect(s.attach(action(0), to: s.committed) != nil)
        let c1 = s.didCommit()
        #expect(s.attach(action(1), to: c1) == nil)
        let c2 = s.didCommit()
        #expect(s.attach(action(2), to: c2) == nil)
        #expect(s.takeDurableActions().isEmpty)
        #expect(s.wait(for: c2, "w") == .lead)
        _ = s.failRound()
        #expect(s.takeDurableActions().isEmpty, "a failed sync makes nothing durable")
        #expect(s.wait(for: c1, "w") == .lead)
        let round = s.startRound()
        let c3 = s.didCommit()
        #expect(s.attach(action(3), to: c3) == nil)
        _ = s.finishRound(round)
        for a in s.takeDurableActions() { a() }
        #expect(ran.withLockedValue { $0 } == [1, 2], "commits 1 and 2 were covered; 3 came after the round started")
        #expect(s.wait(for: c3, "w") == .lead)
        _ = s.finishRound(s.startRound())
        for a in s.takeDurableActions() { a() }
        #expect(ran.withLockedValue { $0 } == [1, 2, 3])
    }

    final class Box {}

    @Test func activationTableStartsOneActivationPerID() {
        var t = ActivationTable<Box, String>()
        guard case .activate(let g) = t.acquire("x", waiter: "first") else { Issue.record("expected activate"); return }
        guard case .wait = t.acquire("x", waiter: "second") else { Issue.record("expected wait"); return }
        guard case .wait = t.acquire("x", waiter: "third") else { Issue.record("expected wait"); return }
        let box = Box()
        let woken = t.activated("x", generation: g, instance: box)
        #expect(woken == ["second", "third"])
        guard case .use(let b) = t.acquire("x", waiter: "fourth") else { Issue.record("expected use"); return }
        #expect(b === box)
        let removedOther = t.remove("x", instance: Box())
        #expect(!removedOther)
        let removed = t.remove("x", instance: box)
        #expect(removed)
        #expect(t.count == 0)
    }

    @Test func activationTableAbandonedActivationIsDiscarded() {
        var t = ActivationTable<Box, String>()
        guard case .activate(let g) = t.acquire("x", waiter: "a") else { Issue.record("expected activate"); return }
        _ = t.acquire("x", waiter: "b")
        let failed = t.activationFailed("x", generation: g)
        #expect(failed == ["b"])
        let late = t.activated("x", generation: g, instance: Box())
        #expect(late == nil, "a reset activation cannot come back")
        guard case .activate(let g2) = t.acquire("x", waiter: "c") else { Issue.record("expected activate"); return }
        #expect(g2 != g)
    }
}
