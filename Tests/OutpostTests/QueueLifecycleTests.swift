import Outpost
import Testing

@Suite("Queue message outcome and lifecycle (plain values)")
struct QueueLifecycleTests {
    @Test("a message nobody speaks about is acked when the handler returns, retried when it throws")
    func implicitOutcome() {
        let o = BatchOutcome(count: 2)
        #expect(o.resolved(handlerThrew: false) == [.ack, .ack])
        #expect(o.resolved(handlerThrew: true) == [.retry(delaySeconds: nil), .retry(delaySeconds: nil)])
    }

    @Test("the first call on a message wins")
    func firstCallWins() {
        var o = BatchOutcome(count: 2)
        let r1 = o.record(.ack, forMessage: 0)
        #expect(r1)
        let r2 = o.record(.retry(delaySeconds: 5), forMessage: 0)
        #expect(!r2)
        let r3 = o.record(.retry(delaySeconds: 5), forMessage: 1)
        #expect(r3)
        let r4 = o.record(.ack, forMessage: 1)
        #expect(!r4)
        #expect(o.resolved(handlerThrew: false) == [.ack, .retry(delaySeconds: 5)])
    }

    @Test("the first batch-wide call wins")
    func firstBatchCallWins() {
        var o = BatchOutcome(count: 1)
        let r5 = o.recordAll(.retry(delaySeconds: 7))
        #expect(r5)
        let r6 = o.recordAll(.ack)
        #expect(!r6)
        #expect(o.resolved(handlerThrew: false) == [.retry(delaySeconds: 7)])
    }

    @Test("a per-message call beats the batch-wide one, before or after it")
    func perMessageBeatsBatch() {
        var o = BatchOutcome(count: 3)
        o.record(.ack, forMessage: 0)
        o.recordAll(.retry(delaySeconds: nil))
        o.record(.retry(delaySeconds: 9), forMessage: 2)
        #expect(o.resolved(handlerThrew: false) == [.ack, .retry(delaySeconds: nil), .retry(delaySeconds: 9)])

        var p = BatchOutcome(count: 2)
        p.recordAll(.ack)
        p.record(.retry(delaySeconds: 1), forMessage: 1)
        #expect(p.resolved(handlerThrew: false) == [.ack, .retry(delaySeconds: 1)])
    }

    @Test("a throw retries everything not explicitly acked; explicit acks and retry delays survive; ackAll does not")
    func throwKeepsExplicitAcks() {
        var o = BatchOutcome(count: 4)
        o.recordAll(.ack)
        o.record(.ack, forMessage: 1)
        o.record(.retry(delaySeconds: 30), forMessage: 3)
        #expect(o.resolved(handlerThrew: true) == [
            .retry(delaySeconds: nil), .ack, .retry(delaySeconds: nil), .retry(delaySeconds: 30),
        ])
    }

    let policy = MessageLifecycle.RetryPolicy(maxRetries: 2, retryDelay: 10, deadLetterQueue: "dlq")

    @Test("settlement: ack deletes, retry delays by its own delay or retry_delay, past max_retries dead-letters or drops")
    func settlements() {
        #expect(MessageLifecycle.settlement(for: .ack, attempts: 3, policy: policy, now: 1000) == .acknowledged)
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: nil), attempts: 1, policy: policy, now: 1000) == .retryAt(11_000))
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: 0), attempts: 1, policy: policy, now: 1000) == .retryAt(1000))
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: 2), attempts: 2, policy: policy, now: 1000) == .retryAt(3000))
        // max_retries 2: deliveries 1, 2 and 3; the third failure dead-letters.
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: nil), attempts: 3, policy: policy, now: 1000) == .deadLetter("dlq"))
        var noDLQ = policy
        noDLQ.deadLetterQueue = nil
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: nil), attempts: 3, policy: noDLQ, now: 1000) == .drop)
        let zero = MessageLifecycle.RetryPolicy(maxRetries: 0)
        #expect(MessageLifecycle.settlement(for: .retry(delaySeconds: nil), attempts: 1, policy: zero, now: 0) == .drop)
    }

    @Test("lifecycle: delayed → ready → leased → delayed again → … → dead-lettered")
    func lifecycleWalk() throws {
        var m = MessageLifecycle.delayed(until: 5000)
        m.tick(now: 4999)
        #expect(m == .delayed(until: 5000))
        #expect(throws: MessageLifecycle.TransitionError.notReady) { try m.lease(attempt: 1, until: 9999) }
        m.tick(now: 5000)
        #expect(m == .ready)
        try m.lease(attempt: 1, until: 60_000)
        #expect(m == .leased(until: 60_000, attempt: 1))
        try m.settle(.retry(delaySeconds: nil), policy: policy, now: 6000)
        #expect(m == .delayed(until: 16_000))
        m.tick(now: 16_000)
        try m.lease(attempt: 2, until: 80_000)
        try m.settle(.retry(delaySeconds: 0), policy: policy, now: 17_000)
        #expect(m == .ready)
        try m.lease(attempt: 3, until: 90_000)
        #expect(try m.settle(.retry(delaySeconds: nil), policy: policy, now: 18_000) == .deadLetter("dlq"))
        #expect(m == .deadLettered(queue: "dlq"))
        #expect(throws: MessageLifecycle.TransitionError.notLeased) { try m.settle(.ack, policy: policy, now: 0) }
    }

    @Test("lifecycle: an expired lease makes the message ready again; ack ends it")
    func leaseExpiry() throws {
        var m = MessageLifecycle.ready
        try m.lease(attempt: 1, until: 100)
        m.tick(now: 99)
        #expect(m == .leased(until: 100, attempt: 1))
        m.tick(now: 100)
        #expect(m == .ready)
        try m.lease(attempt: 2, until: 200)
        try m.settle(.ack, policy: policy, now: 150)
        #expect(m == .acknowledged)
        m.tick(now: 10_000)
        #expect(m == .acknowledged)
    }
}
