public import ServiceLifecycle
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Delivers one queue's messages to the Worker's `queue()` handler (`[[queues.consumers]]`).
///
/// A batch goes out when `max_batch_size` messages are ready, or when the oldest ready message
/// has waited `max_batch_timeout`. Up to `max_concurrency` batches run at once. The loop wakes on
/// a send (the store rings its bell), on the runtime clock moving, at the next due time (a delayed
/// message, a batch timeout, a lease expiry), and at least every second to see rows other
/// processes (the CLI) wrote. On graceful shutdown it stops leasing and lets in-flight batches finish.
public final class QueueConsumer: Service, Sendable {
    public let config: QueueConsumerConfig
    let store: QueueStore
    let context: RuntimeContext
    /// The Worker's env, passed to `queue()`.
    let env: Env
    let bell = Doorbell()
    /// Who holds a lease: this process and this consumer instance.
    let owner: String
    let maxConcurrency: Int
    private let inFlight = NIOLockedValueBox(0)
    private let stopping = NIOLockedValueBox(false)

    /// Batches in flight at once when `max_concurrency` is not set.
    public static let defaultConcurrency = 10
    /// The longest the loop sleeps without a reason, so rows written by other processes are seen.
    static let recheckMilliseconds: Int64 = 1000

    init(config: QueueConsumerConfig, store: QueueStore, context: RuntimeContext, env: Env) {
        self.config = config
        self.store = store
        self.context = context
        self.env = env
        self.owner = "\(getpid()):\(UUID().uuidString)"
        self.maxConcurrency = config.maxConcurrency ?? Self.defaultConcurrency
        store.register(bell: bell, for: config.queue)
        context.clock.onAdvance { [bell] in bell.ring() }
    }

    var logger: Logger { context.logger }

    public func run() async {
        do {
            try await store.releaseAbandonedLeases(queue: config.queue, currentOwner: owner)
        } catch {
            logger.error("queue \(config.queue): cannot release abandoned leases: \(error)")
        }
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                while !stopping.withLockedValue({ $0 }) && !Task.isCancelled {
                    let wait = await step { batch in
                        group.addTask { await self.deliver(batch) }
                    }
                    if let wait { await bell.wait(timeout: .milliseconds(max(wait, 1))) }
                }
            } onGracefulShutdown: { [stopping, bell] in
                stopping.withLockedValue { $0 = true }
                bell.ring()
            }
        }
    }

    /// One pass of the loop: starts at most one batch. Returns how long to sleep (ms), or nil to go again at once.
    private func step(start: (_ batch: [QueuedMessage]) -> Void) async -> Int64? {
        let clock = context.clock
        var now = clock.nowMilliseconds()
        var wait = Self.recheckMilliseconds
        do {
            try await store.releaseExpiredLeases(queue: config.queue, now: now)
            if inFlight.withLockedValue({ $0 }) < maxConcurrency {
                let ready = try store.readySummary(queue: config.queue, now: now, limit: config.maxBatchSize)
                if ready.count > 0, let oldest = ready.oldestVisibleAt {
                    let due = oldest + Int64((config.maxBatchTimeout * 1000).rounded())
                    if ready.count >= config.maxBatchSize || due <= now {
                        let leaseMs = Int64(QueueLimits.leaseSeconds * 1000)
                        let batch = try await store.lease(queue: config.queue, limit: config.maxBatchSize, owner: owner, now: now, leaseMilliseconds: leaseMs)
                        if !batch.isEmpty {
                            inFlight.withLockedValue { $0 += 1 }
                            start(batch)
                            return nil
                        }
                    } else {
                        wait = min(wait, due - now)
                    }
                }
            }
            now = clock.nowMilliseconds()
            if let next = try store.nextChange(queue: config.queue, after: now) {
                wait = min(wait, next - now)
            }
        } catch {
            logger.error("queue \(config.queue): dispatcher error: \(error)")
        }
        return wait
    }

    /// Runs the handler on one batch and records the outcome.
    private func deliver(_ delivered: [QueuedMessage]) async {
        defer {
            inFlight.withLockedValue { $0 -= 1 }
            bell.ring()
        }
        let batch = MessageBatch(queue: config.queue, delivered: delivered)
        var threw = false
        do {
            try await context.script.worker.queue(batch, env: env, context: context.makeExecutionContext())
        } catch {
            threw = true
            logger.error("queue \(config.queue): handler threw: \(error)", metadata: ["messages": "\(delivered.count)"])
        }
        let actions = batch.currentOutcome.resolved(handlerThrew: threw)
        let policy = MessageLifecycle.RetryPolicy(config)
        let now = context.clock.nowMilliseconds()
        let settlements = zip(delivered, actions).map { message, action in
            (message: message, settlement: MessageLifecycle.settlement(for: action, attempts: message.attempts, policy: policy, now: now))
        }
        for (m, s) in settlements {
            if case .drop = s {
                logger.warning("queue \(config.queue): message \(m.id) dropped after \(m.attempts) attempts (max_retries \(config.maxRetries), no dead_letter_queue)")
            }
        }
        do {
            try await store.settle(queue: config.queue, owner: owner, settlements)
        } catch {
            // The leases stay; they expire and the messages are delivered again.
            logger.error("queue \(config.queue): cannot record batch outcome: \(error)")
        }
    }
}
