public import ServiceLifecycle
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Runs the Worker's `scheduled()` handler for each `[triggers] crons` expression, on the runtime clock.
///
/// Like Cloudflare, a trigger missed while the runtime was down is not replayed, and one that
/// several minutes passed over (a clock jump) fires once, with the time it was due.
public final class CronScheduler: Service, Sendable {
    public let crons: [CronExpression]
    let context: RuntimeContext
    /// The Worker's env, passed to `scheduled()`.
    let env: Env
    let bell = Doorbell()
    private let stopping = NIOLockedValueBox(false)
    /// The first fire times, counted from boot (so a clock moved between boot and `run` is honoured).
    private let firstDue: [Date?]

    init(crons: [CronExpression], context: RuntimeContext, env: Env) {
        self.crons = crons
        self.context = context
        self.env = env
        let now = Date(timeIntervalSince1970: context.clock.now())
        self.firstDue = crons.map { $0.next(after: now) }
        context.clock.onAdvance { [bell] in bell.ring() }
    }

    public func run() async {
        let clock = context.clock
        var due = firstDue
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                while !stopping.withLockedValue({ $0 }) && !Task.isCancelled {
                    let now = Date(timeIntervalSince1970: clock.now())
                    for (i, cron) in crons.enumerated() {
                        guard let time = due[i], time <= now else { continue }
                        let controller = ScheduledController(scheduledTime: Int64(time.timeIntervalSince1970 * 1000), cron: cron.source)
                        group.addTask { await self.fire(controller) }
                        due[i] = cron.next(after: now)
                    }
                    // Sleep until the next trigger, but re-check at least every minute in case the wall clock jumps.
                    let wait = due.compactMap { $0?.timeIntervalSince(now) }.min().map { min($0, 60) } ?? 60
                    await bell.wait(timeout: .milliseconds(Int64(max(wait, 0.001) * 1000)))
                }
            } onGracefulShutdown: { [stopping, bell] in
                stopping.withLockedValue { $0 = true }
                bell.ring()
            }
        }
    }

    private func fire(_ controller: ScheduledController) async {
        do {
            try await context.script.worker.scheduled(controller, env: env, context: context.makeExecutionContext())
        } catch {
            context.logger.error("scheduled handler for \"\(controller.cron)\" threw: \(error)")
        }
    }
}
