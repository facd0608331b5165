import Outpost
import Testing

@Suite("Doorbell (the dispatcher's wake-up)")
struct QueueDoorbellTests {
    @Test("a ring with nobody waiting is kept for the next wait")
    func ringBeforeWait() async {
        let bell = Doorbell()
        bell.ring()
        // The ring ends the wait, not its timeout (however slow the machine).
        #expect(await bell.wait(timeout: .seconds(60)))
    }

    @Test("a ring wakes a waiter; without one, wait(timeout:) returns after the timeout")
    func ringWakesWaiter() async {
        let bell = Doorbell()
        let start = ContinuousClock.now
        #expect(await bell.wait(timeout: .milliseconds(100)) == false)
        #expect(ContinuousClock.now - start >= .milliseconds(100))

        async let woken = bell.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        bell.ring()
        #expect(await woken, "the ring wakes the waiter, not its timeout")
    }

    @Test("one ring is not counted twice")
    func ringOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        #expect(await bell.wait(timeout: .seconds(60)))
        #expect(await bell.wait(timeout: .milliseconds(100)) == false, "the second ring was not kept")
    }

    @Test("a cancelled wait returns")
    func cancelled() async {
        let bell = Doorbell()
        let task = Task { await bell.wait() }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
    }
}
