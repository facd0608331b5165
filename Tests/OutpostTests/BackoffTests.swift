import Outpost
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("doubles from the base after each attempt, up to the cap")
    func doublesUpToTheCap() {
        let backoff = Backoff(base: 2, cap: 60)
        #expect((1...7).map { backoff.delay(afterAttempt: $0) } == [2, 4, 8, 16, 32, 60, 60])
        #expect(backoff.delay(afterAttempt: 10_000) == 60)
    }

    @Test("attempts below 1 count as the first")
    func attemptsBelowOne() {
        let backoff = Backoff(base: 1.5, cap: 100, factor: 3)
        #expect(backoff.delay(afterAttempt: 0) == 1.5)
        #expect(backoff.delay(afterAttempt: -4) == 1.5)
        #expect(backoff.delay(afterAttempt: 3) == 13.5)
    }

    @Test("milliseconds round the delay")
    func milliseconds() {
        let backoff = Backoff(base: 0.05, cap: 1)
        #expect((1...6).map { backoff.milliseconds(afterAttempt: $0) } == [50, 100, 200, 400, 800, 1000])
    }

    @Test("alarm retries wait base · 2^retryCount, as before")
    func alarmRetries() {
        let options = DurableObjectOptions(alarmRetryBaseDelay: 2)
        #expect((0...5).map { options.alarmRetryDelay(afterAttempt: $0) } == [2, 4, 8, 16, 32, 64])
        #expect(options.alarmRetryDelay(afterAttempt: 30) == 2 * Double(1 << 30))
        #expect(options.alarmRetryDelay(afterAttempt: 200) == 2 * Double(1 << 30))
    }
}
