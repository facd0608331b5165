public import Outpost
import Foundation
import ServiceDescriptors

/// The platform's brain, a Durable Object (one per deployment, named "global"): it owns the job
/// tables in its SQLite storage and runs every job of every service declared in its
/// `ServiceRegistry` on instances of that service's container class.
///
/// It is a thin actor over parts that are read and tested alone:
/// - `JobStore` and `InstanceLedger`: its tables (`OrchestratorSchema` migrates them);
/// - `JobLifecycle`: every legal change of a job's status;
/// - `DispatchPlan`: which queued job goes to which instance, and why instances are added;
/// - `WatcherRegistry`: who hears of a job's changes (SSE, `?wait=`);
/// - `KVStatusCache` and `SchedulerLink`: the status cache, timers and hand-offs, in the background;
/// - `Operations/`: the queue, instance and cost reports.
///
/// Every state change is written before it is acknowledged. After a restart the object finds
/// jobs still marked running (their workers died with the process) and queues them again; an
/// alarm kept while work is unfinished is what wakes it after a restart. Attempts run outside the
/// actor (`JobRunner`, kept alive with `state.waitUntil`) and report back as events; a report for
/// an attempt that is no longer current is ignored, so each job ends in exactly one terminal status.
public actor ContainerOrchestrator: DurableObject {
    let state: DurableObjectState
    let env: Env
    let services: ServiceRegistry
    nonisolated let store: JobStore
    let ledger: InstanceLedger
    let settings: PlatformSettings
    /// `[[containers]]` settings per class (the configuration does not change while running).
    let classes: [String: ContainerClassSettings]
    let kvCache: KVStatusCache
    private let scheduler: SchedulerLink
    private let jobMetrics: JobMetrics

    /// Jobs in flight per instance.
    private var pool = InstancePool()
    /// The attempt in flight per job id.
    private var running: [String: RunningAttempt] = [:]
    private var watchers = WatcherRegistry()
    /// Progress of running jobs: kept in memory only (it restarts with the attempt anyway).
    private var liveProgress: [String: (progress: Double, stage: String, text: String?)] = [:]
    /// Instances already in the ledger's table since this activation (so a dispatch does not
    /// derive the instance's id and write its row again for every job).
    private var ledgered: Set<String> = []

    struct RunningAttempt {
        let attempt: Int
        let className: String
        let index: Int
        let task: Task<Void, Never>
    }

    /// How often the orchestrator looks at its queue while work is unfinished (also how soon it
    /// wakes after a restart).
    static let heartbeatMilliseconds: Int64 = 1000

    public init(state: DurableObjectState, env: Env, services: ServiceRegistry) async throws {
        self.state = state
        self.env = env
        self.services = services
        self.settings = PlatformSettings(env: env)
        self.classes = services.classSettings(env: env)
        self.kvCache = KVStatusCache(env: env)
        self.scheduler = SchedulerLink(env: env)
        try OrchestratorSchema.migrations.migrate(state.storage.sql)
        let store = JobStore(sql: state.storage.sql)
        _ = try store.requeueInterrupted()
        self.jobMetrics = JobMetrics(metrics: env.metrics, types: services.jobTypes.keys.sorted(), unfinished: try store.unfinished())
        // Unfinished jobs, or webhooks and dead letters not yet handed to the scheduler: look now.
        if try store.unfinishedCount() > 0 || !store.pendingHandoffs().isEmpty { try state.storage.setAlarm(PlatformTime.now()) }
        self.store = store
        self.ledger = InstanceLedger(sql: state.storage.sql)
    }

    /// With the services Pitchey ships.
    public init(state: DurableObjectState, env: Env) async throws {
        try await self.init(state: state, env: env, services: .pitchey)
    }

    // MARK: the jobs API

    /// Stores a new job (queued) and dispatches it if an instance has room. `ownerRole` is the
    /// submitting caller's role, kept with the job (``JobRecord/ownerRole``).
    public func submit(_ submission: JobSubmission, owner: String, ownerRole: String? = nil) async throws -> JobRecord {
        try await submit(submission, owner: owner, ownerRole: ownerRole, watch: nil).job
    }

    /// Stores a new job and, with `watch`, also returns the stream of its later states (as
    /// `watch(id:owner:)` would, in the same event: one round trip for `?wait=`).
    public func submit(_ submission: JobSubmission, owner: String, ownerRole: String? = nil, watch: JobWatch?) async throws -> (job: JobRecord, updates: AsyncStream<JobRecord>?) {
        let job = try store(submission, owner: owner, ownerRole: ownerRole, at: PlatformTime.now())
        // Watch before dispatching, so no change is missed.
        let updates = watch.map { addWatcher(job, $0) }
        try pump()
        return (live(try store.job(job.id) ?? job), updates)
    }

    /// Stores every job of a batch in this one event (one commit), then dispatches. The API has
    /// checked every entry first: a batch is stored whole or not at all.
    public func submit(batch: [JobSubmission], owner: String, ownerRole: String? = nil) throws -> [JobRecord] {
        let now = PlatformTime.now()
        // Stream names first, so a taken one refuses the whole batch before anything is stored.
        let names = batch.compactMap { submission in
            submission.type.operation.stream?.nameParameter.flatMap { submission.params[$0]?.stringValue }
        }
        if let name = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw JobInputError("The stream name \"\(name)\" is asked for twice in the batch.", code: "stream_name_taken", status: 409)
        }
        for name in names { try checkStreamFree(name) }
        let jobs = try batch.map { try store($0, owner: owner, ownerRole: ownerRole, at: now) }
        try pump()
        return try jobs.map { live(try store.job($0.id) ?? $0) }
    }

    /// Inserts one queued job (with its release timer when delayed) and publishes it.
    /// A job whose outputs form a stream holds that stream's id (`StreamOutputs`): a name held by
    /// a queued, running or stored stream is a 409, checked here in the same event as the insert.
    private func store(_ submission: JobSubmission, owner: String, ownerRole: String?, at now: Int64) throws -> JobRecord {
        let type = submission.type
        let id = UUID.random().uuidString.lowercased()
        let stream = type.operation.stream?.id(jobId: id, params: submission.params)
        if let stream, stream != id { try checkStreamFree(stream) }
        var job = JobRecord(
            seq: 0, id: id, owner: owner, type: type.name, status: .queued, priority: submission.priority,
            attempts: 0, maxAttempts: settings.maxAttempts(type), progress: 0, stage: nil, createdAt: now, startedAt: nil, finishedAt: nil,
            notBefore: now + Int64(submission.delaySeconds * 1000), params: submission.params, inputKey: submission.inputKey,
            resultText: nil, error: nil, outputs: [], webhookURL: submission.webhookURL, instance: nil, ownerRole: ownerRole
        )
        job.stream = stream
        try store.insert(job)
        try keepHeartbeat()
        if job.notBefore > now {
            schedule([.set(JobTimer(kind: .release, jobId: job.id, dueAt: job.notBefore))])
        }
        publish(job)
        return job
    }

    /// A 409 when stream name `name` is held by a queued, running or stored stream (or is a job's id).
    private func checkStreamFree(_ name: String) throws {
        if try store.streamInUse(name) || store.job(name) != nil {
            throw JobInputError("The stream name \"\(name)\" is taken by another stream; choose another stream_name.", code: "stream_name_taken", status: 409)
        }
    }

    /// The job `id`, if `owner` may see it (nil: an admin, who sees every job).
    public func job(id: String, owner: String?) throws -> JobRecord {
        guard let job = try store.job(id), owner == nil || job.owner == owner else { throw JobInputError.notFound(id) }
        return live(job)
    }

    /// The job whose outputs form stream `id` (a stream name, or the id of a job whose outputs
    /// are a stream), if `owner` may see it (nil: an admin, or a holder of the stream's token).
    public func stream(id: String, owner: String?) throws -> JobRecord {
        let job = try store.stream(id) ?? store.job(id).flatMap { job in
            // A stream with no recorded id (stored before the column existed, or imported) is found
            // by its job id; a named stream only by its name.
            job.stream == nil && services.jobTypes[job.type]?.operation.stream != nil ? job : nil
        }
        guard let job, owner == nil || job.owner == owner else {
            throw JobInputError("No stream \"\(id)\".", code: "stream_not_found", status: 404)
        }
        return live(job)
    }

    /// A page of jobs, newest first, and the cursor of the next page.
    public func list(owner: String?, status: JobStatus?, type: String?, cursor: String?, limit: Int) throws -> (jobs: [JobRecord], cursor: String?) {
        var before: Int64?
        if let cursor {
            guard let value = Int64(cursor), value > 0 else { throw JobInputError("\"cursor\" is not a cursor this API returned.", code: "invalid_cursor") }
            before = value
        }
        let page = try store.list(owner: owner, status: status, type: type, before: before, limit: limit + 1)
        let jobs = page.prefix(limit).map(live)
        return (jobs, page.count > limit ? jobs.last.map { String($0.seq) } : nil)
    }

    /// Cancels a queued or running job; a running attempt's work is stopped.
    public func cancel(id: String, owner: String?) async throws -> JobRecord {
        let job = try job(id: id, owner: owner)
        guard let next = JobLifecycle.next(job.status, .cancel, attempts: job.attempts, maxAttempts: job.maxAttempts) else {
            throw JobInputError("Job \(id) already ended (\(job.status.rawValue)); only queued or running jobs can be cancelled.", code: "job_finished", status: 409)
        }
        stopAttempt(id)
        let partial = try discardOutputs(job)
        try store.finish(id, status: next, error: nil, at: PlatformTime.now())
        try changed(id)
        try pump()
        // Once the answer comes, nothing the job stored is left.
        await deleteOutputs(partial)
        return try store.job(id) ?? job
    }

    /// The job now and, unless it has ended, a stream of its later states (`watch` says which)
    /// that finishes after the terminal one.
    public func watch(id: String, owner: String?, _ watch: JobWatch = .everyChange) throws -> (job: JobRecord, updates: AsyncStream<JobRecord>?) {
        let job = try job(id: id, owner: owner)
        guard !job.status.isTerminal else { return (job, nil) }
        return (job, addWatcher(job, watch))
    }

    /// A stream of the job's later states that finishes after the terminal one (or, for
    /// `.end(within:)`, at the deadline, with the last state that passed the output gate).
    private func addWatcher(_ job: JobRecord, _ watch: JobWatch) -> AsyncStream<JobRecord> {
        let (endOnly, deadline): (Bool, Duration?) = switch watch {
        case .everyChange: (false, nil)
        case .end(let within): (true, within)
        }
        let (key, updates, continuation) = watchers.add(job, endOnly: endOnly)
        let id = job.id
        // Keeps the object (and so the watcher) in memory while someone watches, until the
        // deadline; cancelled when the stream ends first, and at shutdown (which ends the stream).
        let pin = state.waitUntil { [weak self] in
            try? await Task.sleep(for: deadline ?? .seconds(365 * 86_400))
            if !Task.isCancelled, let last = await self?.watchDeadline(id, key) {
                continuation.yield(last)
            }
            continuation.finish()
        }
        let state = self.state
        continuation.onTermination = { [weak self] reason in
            pin.cancel()
            // A terminal state already removed its watchers; a watcher that left did not.
            if case .cancelled = reason { state.waitUntil { [weak self] in await self?.unwatch(id, key) } }
        }
        return updates
    }

    private func watchDeadline(_ id: String, _ key: Int) -> JobRecord? {
        watchers.deadline(id, key).map(live)
    }

    private func unwatch(_ id: String, _ key: Int) { watchers.unwatch(id, key) }

    // MARK: operations

    /// Queue depth per type and priority, with running and dead-lettered counts.
    public func queues() throws -> JSONValue {
        QueuesReport.make(types: services.jobTypes.keys, depth: try store.depth(), running: running.count)
    }

    /// Every container instance the platform has used: class, name, id, state, pid, jobs in flight, uptime.
    public func instances() async throws -> JSONValue {
        var rows: [InstancesReport.Row] = []
        for instance in try ledger.instances() {
            guard services.container(className: instance.className) != nil else { continue }
            let info = try? await services.snapshot(className: instance.className, instance: instance.name, env: env)
            let index = JobType.instanceIndex(instance.name)
            rows.append(InstancesReport.Row(instance: instance, info: info, jobsInFlight: pool.jobs(className: instance.className, index: index)))
        }
        return InstancesReport.make(rows, scalingEvents: try ledger.scalingEvents(limit: 50))
    }

    /// Instance-seconds and cost per class, from each class's instance type.
    public func costs() throws -> JSONValue {
        CostsReport.make(classNames: services.services.map(\.containerClass), classes: classes,
                         closedSeconds: try ledger.costSeconds(), instances: try ledger.instances(), now: PlatformTime.now())
    }

    /// Counters since the orchestrator's storage was created (jobs submitted, succeeded, …).
    public func metrics() throws -> [String: Int] { try store.metrics() }

    // MARK: events from runners, the scheduler and containers

    /// Progress of the current attempt of `id`.
    public func attemptProgress(id: String, attempt: Int, progress: Double, stage: String, text: String? = nil) throws {
        guard running[id]?.attempt == attempt else { return }
        liveProgress[id] = (min(max(progress, 0), 1), stage, text)
        if watchers.hasProgressListeners(id), let job = try store.job(id) {
            let shown = live(job)
            for listener in watchers.progressListeners(id) { listener.yield(shown) }
        }
    }

    /// The current attempt of `id` stored an output its service published while running (an
    /// HLS segment as it was cut): the running job lists it, so it can be read before the end.
    func attemptOutputStored(id: String, attempt: Int, output: JobOutput) throws {
        guard running[id]?.attempt == attempt, var job = try store.job(id), job.status == .running else {
            // Stored by an attempt that was stopped meanwhile: unless the job goes on (a later
            // attempt writes the same names), it must not stay.
            if let job = try store.job(id), job.status.isTerminal, job.status != .succeeded {
                _ = state.waitUntil { [self] in await deleteOutputs([output.key]) }
            }
            return
        }
        if let index = job.outputs.firstIndex(where: { $0.name == output.name }) { job.outputs[index] = output } else { job.outputs.append(output) }
        try store.setOutputs(id, job.outputs)
        try changed(id)
    }

    /// The current attempt of `id` ended.
    func attemptFinished(id: String, attempt: Int, outcome: JobRunner.Outcome) throws {
        guard let attemptInFlight = running[id], attemptInFlight.attempt == attempt else { return }
        release(id, attemptInFlight)
        guard let job = try store.job(id), job.status == .running, job.attempts == attempt else { return }
        switch outcome {
        case .succeeded(let result, let outputs):
            try store.succeed(id, result: result, outputs: outputs, at: PlatformTime.now())
        case .failed(let failure, let retryable):
            try failed(job, failure, event: retryable ? .failRetryable : .failPermanent)
        }
        try changed(id)
        try pump()
    }

    /// The scheduler found attempt `attempt` of `id` over its time: its work is stopped and the
    /// job retried (or dead-lettered).
    public func attemptTimedOut(id: String, attempt: Int) throws {
        guard running[id]?.attempt == attempt, let job = try store.job(id), job.status == .running else { return }
        stopAttempt(id)
        let limit = services.jobTypes[job.type].map(settings.timeout) ?? 0
        try failed(job, JobFailure(code: "timeout", message: "The attempt ran longer than \(Self.seconds(limit)) and was stopped."), event: .timeout)
        try changed(id)
        try pump()
    }

    /// Looks at the queue now (a delay or backoff ended).
    public func wake() throws {
        try pump()
    }

    public func alarm(_ info: AlarmInvocationInfo) async throws {
        for id in scheduler.takeConfirmed() { try store.clearHandoffPending(id) }
        try pump()
        let pending = try store.pendingHandoffs()
        for job in pending { handOff(job) }
        if try store.unfinishedCount() > 0 || !pending.isEmpty {
            try state.storage.setAlarm(PlatformTime.now() + Self.heartbeatMilliseconds)
        }
    }

    /// A container instance answered on its port.
    public func instanceStarted(id: String, pid: Int32?) throws {
        try ledger.instanceStarted(id: id, pid: pid, at: PlatformTime.now())
    }

    /// A container instance's process ended; its running time goes to its class's cost.
    public func instanceStopped(id: String, exitCode: Int32) throws {
        let now = PlatformTime.now()
        guard let stopped = try ledger.instanceStopped(id: id, exitCode: exitCode, at: now) else { return }
        let (className, name, seconds) = stopped
        if let type = classes[className]?.instanceType {
            env.metrics.add(PlatformMetricFamilies.containerCost, className, amount: seconds * CostTable.hourlyPrice(type) / 3600)
        }
        let index = JobType.instanceIndex(name)
        let busy = pool.busyInstances(className)
        let why = pool.jobs(className: className, index: index) > 0
            ? "\(name) exited with code \(exitCode) while running jobs"
            : "\(name) stopped after sleepAfter with no work (exit code \(exitCode))"
        try ledger.recordScaling(className: className, action: "scale_down", instances: busy, reason: why, at: now)
    }

    // MARK: dispatch

    /// Starts queued work, best first, wherever an instance has room (`DispatchPlan`). Nothing
    /// here awaits, so no other event can take the same job.
    private func pump() throws {
        guard !Task.isCancelled else { return }
        let now = PlatformTime.now()
        let ready = try store.ready(now: now, limit: 256)
        let services = self.services
        let plan = DispatchPlan.make(
            ready: ready.map { DispatchPlan.Job(id: $0.id, type: $0.type, attempts: $0.attempts) },
            running: Set(running.keys), pool: &pool,
            routes: { name in
                services.jobTypes[name].map { DispatchPlan.Route(className: $0.containerClass, jobsPerInstance: $0.concurrency, image: $0.service.image) }
            },
            classes: classes,
            binding: { className in services.container(className: className)?.descriptor.binding ?? className }
        )
        let byId = Dictionary(uniqueKeysWithValues: ready.map { ($0.id, $0) })
        for scaling in plan.scaling {
            try ledger.recordScaling(className: scaling.className, action: scaling.action, instances: scaling.instances, reason: scaling.reason, at: now)
        }
        for unroutable in plan.unroutable {
            try store.finish(unroutable.jobId, status: .failed, error: unroutable.failure, at: now)
            try changed(unroutable.jobId)
        }
        var timers: [JobTimer.Change] = []
        for assignment in plan.assignments {
            guard var job = byId[assignment.jobId], let type = services.jobTypes[job.type] else { continue }
            if !ledgered.contains(assignment.instanceName) {
                try ledger.recordInstanceUse(id: env.durableObject(type.binding).idFromName(assignment.instanceName).hex,
                                             className: assignment.className, name: assignment.instanceName)
                ledgered.insert(assignment.instanceName)
            }
            try store.markRunning(job.id, attempt: assignment.attempt, instance: assignment.instanceName, at: now)
            job.attempts = assignment.attempt
            job.status = .running
            job.instance = assignment.instanceName
            let runner = JobRunner(job: job, type: type, attempt: assignment.attempt, instanceName: assignment.instanceName, env: env)
            let task = state.waitUntil { await runner.run() }
            running[job.id] = RunningAttempt(attempt: assignment.attempt, className: assignment.className, index: assignment.index, task: task)
            try changed(job.id)
            timers.append(.set(JobTimer(kind: .timeout, jobId: job.id, attempt: job.attempts, dueAt: now + Int64(settings.timeout(type) * 1000))))
        }
        schedule(timers)
    }

    /// Records a failed attempt as `JobLifecycle` says: back to the queue after a backoff while
    /// attempts remain and the fault is worth retrying; otherwise dead-lettered or failed.
    private func failed(_ job: JobRecord, _ failure: JobFailure, event: JobEvent) throws {
        let now = PlatformTime.now()
        let partial = try discardOutputs(job)
        if !partial.isEmpty { _ = state.waitUntil { [self] in await deleteOutputs(partial) } }
        switch JobLifecycle.next(job.status, event, attempts: job.attempts, maxAttempts: job.maxAttempts) {
        case .queued?:
            let at = now + settings.retryBackoff.milliseconds(afterAttempt: job.attempts)
            try store.requeue(job.id, error: failure, notBefore: at)
            if at > now { schedule([.set(JobTimer(kind: .release, jobId: job.id, dueAt: at))]) }
        case .deadLettered?:
            let final = JobFailure(code: failure.code, message: failure.message + " (gave up after \(job.attempts) attempt\(job.attempts == 1 ? "" : "s"))")
            try store.finish(job.id, status: .deadLettered, error: final, at: now)
        case let status?:
            try store.finish(job.id, status: status, error: failure, at: now)
        case nil:
            return
        }
    }

    /// Forgets what an attempt that did not succeed stored early (segments published while it
    /// ran) and returns their keys, to delete with ``deleteOutputs(_:)``: a failed, retried or
    /// cancelled job leaves no partial output.
    private func discardOutputs(_ job: JobRecord) throws -> [String] {
        guard !job.outputs.isEmpty else { return [] }
        try store.setOutputs(job.id, [])
        return job.outputs.map(\.key)
    }

    /// Deletes stored outputs from R2.
    private nonisolated func deleteOutputs(_ keys: [String]) async {
        guard !keys.isEmpty, let media = try? env.r2(PlatformBindings.media) else { return }
        for key in keys { try? await media.delete(key) }
    }

    /// Cancels the attempt in flight for `id`, if any, and frees its slot.
    private func stopAttempt(_ id: String) {
        guard let attempt = running[id] else { return }
        attempt.task.cancel()
        release(id, attempt)
    }

    /// Frees the slot of the attempt in flight for `id`; its timeout is no longer needed.
    private func release(_ id: String, _ attempt: RunningAttempt) {
        schedule([.cancel(.timeout, jobId: id)])
        running[id] = nil
        liveProgress[id] = nil
        pool.release(className: attempt.className, index: attempt.index)
    }

    /// After a change of `id`'s status: a terminal job with a webhook (or a dead letter) is marked
    /// for hand-off in the same transaction, and the change is published once on disk.
    private func changed(_ id: String) throws {
        guard let job = try store.job(id) else { return }
        if job.status.isTerminal, job.webhookURL != nil || job.status == .deadLettered {
            try store.setHandoffPending(id)
            try keepHeartbeat()
        }
        publish(job)
    }

    /// Once `job`'s new state is on disk (`storage.afterDurable`, when the event's commit is
    /// synced): its watchers hear of it, the KV cache gets it, and a terminal job with a webhook
    /// or a dead letter goes to the scheduler. Nothing unsynced is ever shown.
    private func publish(_ job: JobRecord) {
        let shown = live(job)
        let terminal = shown.status.isTerminal
        let durable = watchers.isWatched(shown.id) ? watchers.durable : nil
        let listeners = watchers.published(shown)
        let handOff = terminal && (shown.webhookURL != nil || shown.status == .deadLettered)
        let (kvCache, scheduler, state, jobMetrics) = (self.kvCache, self.scheduler, self.state, self.jobMetrics)
        state.storage.afterDurable {
            jobMetrics.record(shown)
            durable?.record(shown)
            for listener in listeners {
                listener.yield(shown)
                if terminal { listener.finish() }
            }
            if let writer = kvCache.add(shown) { state.waitUntil(writer) }
            if handOff, let work = scheduler.handOff(shown) { state.waitUntil(work) }
        }
    }

    /// Gives a terminal job's webhook and dead letter to the scheduler in the background.
    private func handOff(_ job: JobRecord) {
        if let work = scheduler.handOff(job) { state.waitUntil(work) }
    }

    /// Sends timer changes to the scheduler in the background, in batches.
    private func schedule(_ changes: [JobTimer.Change]) {
        guard !changes.isEmpty, let sender = scheduler.schedule(changes) else { return }
        state.waitUntil(sender)
    }

    // MARK: helpers

    /// Keeps an alarm set while work is unfinished: the heartbeat that also wakes the object after a restart.
    private func keepHeartbeat() throws {
        if try state.storage.getAlarm() == nil {
            try state.storage.setAlarm(PlatformTime.now() + Self.heartbeatMilliseconds)
        }
    }

    /// The job with its running attempt's live progress.
    private func live(_ job: JobRecord) -> JobRecord {
        guard job.status == .running, let now = liveProgress[job.id] else { return job }
        var job = job
        job.progress = now.progress
        job.stage = now.stage
        job.partialText = now.text
        return job
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
