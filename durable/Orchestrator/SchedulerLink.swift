import NIOConcurrencyHelpers
import Outpost

/// The orchestrator's side of the `JobScheduler`: timer changes sent in batches, and the
/// hand-off of ended jobs' webhooks and dead letters.
///
/// Neither is needed for correctness at once: the heartbeat finds ready jobs, a stale timeout is
/// ignored, and a hand-off not yet confirmed is retried by the heartbeat (and after a restart,
/// from the `handoff` mark in the jobs table). Work runs in tasks the caller starts with
/// `state.waitUntil`, so shutdown waits for it.
final class SchedulerLink: Sendable {
    /// How long timer changes gather before they go to the scheduler.
    static let timerBatchDelay = Duration.milliseconds(200)

    private let env: Env
    private let timers = CoalescingQueue<String, JobTimer.Change>()
    private struct HandOffs {
        /// Under way.
        var inFlight: Set<String> = []
        /// Confirmed by the scheduler; the orchestrator clears their marks in its next event.
        var done: Set<String> = []
    }
    private let handOffs = NIOLockedValueBox(HandOffs())

    init(env: Env) { self.env = env }

    /// Queues timer changes; returns the sender to run in the background when none is running.
    /// A cancel that meets its own timer still waiting here takes it back, so a short attempt's
    /// timeout never reaches the scheduler at all.
    func schedule(_ changes: [JobTimer.Change]) -> (@Sendable () async -> Void)? {
        var start = false
        for change in changes {
            if case .cancel = change, timers.withdraw(change.key, if: { if case .set = $0 { true } else { false } }) { continue }
            if timers.add(change.key, change) { start = true }
        }
        guard start else { return nil }
        let (env, timers) = (self.env, self.timers)
        return {
            while true {
                try? await Task.sleep(for: Self.timerBatchDelay)
                guard let batch = timers.next() else { return }
                _ = try? await PlatformBindings.scheduler(env).call(JobScheduler.self) { try await $0.apply(batch) }
            }
        }
    }

    /// Gives a terminal job's webhook and dead letter to the scheduler; returns the work to run in
    /// the background (nil when a hand-off of the job is already under way).
    func handOff(_ job: JobRecord) -> (@Sendable () async -> Void)? {
        guard handOffs.withLockedValue({ $0.inFlight.insert(job.id).inserted }) else { return nil }
        let body = Array(job.json.serialized().utf8)
        let (id, type, url, event, env, handOffs) = (job.id, job.type, job.webhookURL, "job." + job.status.rawValue, self.env, self.handOffs)
        return {
            let accepted = (try? await PlatformBindings.scheduler(env).call(JobScheduler.self) {
                try await $0.jobEnded(jobId: id, type: type, webhookURL: url, event: event, body: body)
            }) != nil
            handOffs.withLockedValue {
                $0.inFlight.remove(id)
                if accepted { $0.done.insert(id) }
            }
        }
    }

    /// Hand-offs the scheduler confirmed since the last call (their marks can go).
    func takeConfirmed() -> Set<String> {
        handOffs.withLockedValue { s in
            defer { s.done = [] }
            return s.done
        }
    }
}
