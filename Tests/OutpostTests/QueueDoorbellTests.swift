import Outpost
import Testing

@Suite("Doorbell (the dispatcher's wake-up)")
struct QueueDoorbellTests {
    @Test("a ring with nobody waiting is kept for the next wait")
    func ringBeforeWait() async {
        let bell = Doorbell()
        bell.ring()
        let start = ContinuousClock.now
        await bell.wait(timeout: .seconds(30))
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("a ring wakes a waiter; without one, wait(timeout:) returns after the timeout")
    func ringWakesWaiter() async {
        let bell = Doorbell()
        let start = ContinuousClock.now
        await bell.wait(timeout: .milliseconds(100))
        #expect(ContinuousClock.now - start >= .milliseconds(100))

        async let woken: Void = bell.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        let ringAt = ContinuousClock.now
        bell.ring()
        await woken
        #expect(ContinuousClock.now - ringAt < .seconds(10))
    }

    @Test("one ring is not counted twice")
    func ringOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        await bell.wait(timeout: .seconds(30))
        let start = ContinuousClock.now
        await bell.wait(timeout: .milliseconds(100))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
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
