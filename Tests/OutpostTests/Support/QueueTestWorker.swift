import Foundation
import Outpost
import OutpostTesting

/// One batch as the handler saw it.
struct DeliveredBatch: Sendable {
    let queue: String
    let ids: [String]
    let attempts: [Int]
    let bodies: [MessageBody]
    let at: Int64
}

/// Records every batch a `QueueTestWorker` receives; tests wait on it.
actor BatchRecorder {
    private(set) var batches: [DeliveredBatch] = []
    private(set) var scheduled: [ScheduledController] = []

    func record(_ b: DeliveredBatch) { batches.append(b) }
    func record(_ c: ScheduledController) { scheduled.append(c) }

    func batches(for queue: String) -> [DeliveredBatch] { batches.filter { $0.queue == queue } }

    /// Waits until `condition` holds on the recorded batches (polled every few ms), up to `timeout` seconds.
    func wait(timeout: Double = HangGuard.seconds, _ what: String = "batches", until condition: @Sendable ([DeliveredBatch]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while !condition(batches) {
            if ContinuousClock.now > deadline { throw TestTimeout(message: "\(what) not seen after \(timeout)s; got \(batches.map { "\($0.queue):\($0.ids.count)" })") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func waitForScheduled(count: Int, timeout: Double = 60) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while scheduled.count < count {
            if ContinuousClock.now > deadline { throw TestTimeout(message: "scheduled ran \(scheduled.count) times, wanted \(count)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A Worker whose `queue` handler records the batch, then runs `handler` on it.
struct QueueTestWorker: Worker {
    let recorder: BatchRecorder
    let clock: RuntimeClock
    var handler: @Sendable (MessageBatch) async throws -> Void = { _ in }

    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response { .text("ok") }

    func queue(_ batch: MessageBatch, env: Env, context: ExecutionContext) async throws {
        await recorder.record(DeliveredBatch(
            queue: batch.queue, ids: batch.messages.map(\.id), attempts: batch.messages.map(\.attempts),
            bodies: batch.messages.map(\.body), at: clock.nowMilliseconds()
        ))
        try await handler(batch)
    }

    func scheduled(_ controller: ScheduledController, env: Env, context: ExecutionContext) async throws {
        await recorder.record(controller)
    }
}

struct HandlerFailure: Error {}

/// Runs `body` with a runtime whose Worker is a `QueueTestWorker`.
func withQueueRuntime<T: Sendable>(
    _ config: String,
    handler: @escaping @Sendable (MessageBatch) async throws -> Void = { _ in },
    _ body: @Sendable (TestRuntime, BatchRecorder) async throws -> T
) async throws -> T {
    let recorder = BatchRecorder()
    let clock = RuntimeClock()
    let worker = QueueTestWorker(recorder: recorder, clock: clock, handler: handler)
    return try await TestRuntime.with(config: config, script: WorkerScript(worker: worker), clock: clock) { t in
        try await body(t, recorder)
    }
}
