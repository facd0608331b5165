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
