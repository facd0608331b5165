import Outpost
import Testing

@Suite("Queue and cron configuration")
struct QueueConfigTests {
    func parse(_ text: String) throws -> WranglerConfig {
        var loader = ConfigLoader(path: "wrangler.toml")
        return try loader.parse(text)
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test("consumer defaults are production's: max_batch_size 10, max_batch_timeout 5 s, max_retries 3, retry_delay 0")
    func defaults() throws {
        let c = try parse("""
            [[queues.consumers]]
            queue = "jobs"
            """).queueConsumers[0]
        #expect(c.maxBatchSize == 10)
        #expect(c.maxBatchTimeout == 5)
        #expect(c.maxRetries == 3)
        #expect(c.retryDelay == 0)
        #expect(c.maxConcurrency == nil)
        #expect(c.deadLetterQueue == nil)
    }

    @Test("a queue cannot be its own dead-letter queue")
    func selfDLQ() {
        let e = error("""
            name = "x"
            [[queues.consumers]]
            queue = "jobs"
            dead_letter_queue = "jobs"
            """)
        #expect(e?.message == "queue \"jobs\" cannot be its own dead_letter_queue")
        #expect(e?.line == 4)
    }

    @Test("a dead-letter chain may not loop")
    func dlqCycle() {
        let e = error("""
            [[queues.consumers]]
            queue = "a"
            dead_letter_queue = "b"
            [[queues.consumers]]
            queue = "b"
            dead_letter_queue = "a"
            """)
        #expect(e?.message == "dead_letter_queue chain a -> b -> a loops back to \"a\"")
    }

    @Test("out-of-range consumer and producer settings are errors with the key's line", arguments: [
        ("max_batch_size = 101", "max_batch_size must be between 1 and 100, got 101"),
        ("max_batch_size = 0", "max_batch_size must be between 1 and 100, got 0"),
        ("max_batch_timeout = 61", "max_batch_timeout must be between 0 and 60 seconds, got 61.0"),
        ("max_retries = 101", "max_retries must be between 0 and 100, got 101"),
        ("retry_delay = 43201", "retry_delay must be between 0 and 43200 seconds, got 43201"),
        ("max_concurrency = 0", "max_concurrency must be at least 1, got 0"),
    ])
    func ranges(_ row: (String, String)) {
        let e = error("""
            [[queues.consumers]]
            queue = "jobs"
            \(row.0)
            """)
        #expect(e?.message == row.1)
        #expect(e?.line == 3)
    }

    @Test("delivery_delay is limited like delaySeconds; queue names are checked")
    func producerChecks() {
        #expect(error("""
            [[queues.producers]]
            binding = "Q"
            queue = "jobs"
            delivery_delay = 43201
            """)?.message == "delivery_delay must be between 0 and 43200 seconds, got 43201")
        #expect(error("""
            [[queues.consumers]]
            queue = "jobs"
            dead_letter_queue = "bad name"
            """)?.message == "queue name \"bad name\" is invalid: use 1-63 letters, digits, \"-\" or \"_\"")
        #expect(error("""
            [[queues.producers]]
            binding = "Q"
            queue = ""
            """) != nil)
    }

    @Test("cron triggers are parsed at load time; a bad one is located")
    func crons() throws {
        #expect(try parse("""
            [triggers]
            crons = ["*/5 * * * *", "@daily", "0 9 * * MON-FRI"]
            """).crons.count == 3)
        let e = error("""
            [triggers]
            crons = ["61 * * * *"]
            """)
        #expect(e?.message == "invalid cron \"61 * * * *\": minute field \"61\": 61 is outside 0-59")
        #expect(e?.line == 2)
    }
}
