public import Outpost
import Foundation

/// The platform's brain, a Durable Object (one per deployment, named "global"): it owns the job
/// tables in its SQLite storage, routes each job by type to its container class, takes queued
/// work by priority then age, keeps each instance within its concurrency, scales instances with
/// queue depth up to `max_instances` (recording why), and tracks instances and their cost.
///
/// Every state change is written before it is acknowledged. After a restart the object finds
/// jobs still marked running (their workers died with the process) and queues them again; an
/// alarm kept while work is unfinished is what wakes it after a restart.
///
/// Attempts run outside the actor (`JobRunner`, kept alive with `state.waitUntil`) and report
/// back as events; a report for an attempt that is no longer current is ignored, so each job
/// ends in exactly one terminal status.
public actor ContainerOrchestrator: DurableObject {
    let state: DurableObjectState
    let env: Env
    let store: JobStore
    let settings: PlatformSettings

    /// Jobs in flight per instance.
    private var pool = InstancePool()
    /// The attempt in flight per job id.
    private var running: [String: RunningAttempt] = [:]
    /// Status watchers per job id (SSE, `?wait=`).
    private var watchers: [String: [Int: Watcher]] = [:]
    private var nextWatcher = 0
    /// `[[containers]]` settings per class, asked once.
    private var classSettings: [String: ContainerClassSettings] = [:]
    /// Classes with no `[[containers]]` entry (the configuration does not change while running).
    private var unconfigured: Set<String> = []
    /// Jobs whose hand-off to the scheduler is under way.
    private var handingOff: Set<String> = []
    /// Progress of running jobs: kept in memory only (it restarts with the attempt anyway).
    private var liveProgress: [String: (progress: Double, stage: String)] = [:]
    /// Latest status per job for the KV cache (a slow fsync per put: it may lag, never block).
    private let kvCache = CoalescingQueue<String, JobRecord>()
    /// Timers for the scheduler, sent in batches.
    private let timers = CoalescingQueue<String, JobTimer.Change>()

    struct Watcher {
        let continuation: AsyncStream<JobRecord>.Continuation
        let endOnly: Bool
    }

    struct RunningAttempt {
        let attempt: Int
        let className: String
        let index: Int
        let task: Task<Void, Never>
    }

    /// How often the orchestrator looks at its queue while work is unfinished (also how soon it
    /// wakes after a restart).
    static let heartbeatMilliseconds: Int64 = 1000

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        self.settings = PlatformSettings(env: env)
        let store = JobStore(sql: state.storage.sql)
        try store.migrate()
        _ = try store.requeueInterrupted()
        // Unfinished jobs, or webhooks and dead letters not yet handed to the scheduler: look now.
        if try store.unfinishedCount() > 0 || !store.pendingHandoffs().isEmpty { try state.storage.setAlarm(PlatformTime.now()) }
        self.store = store
    }

    // MARK: the jobs API

    /// Stores a new job (queued) and dispatches it if an instance has room.
    public func submit(_ submission: JobSubmission, owner: String) async throws -> JobRecord {
        try await submit(submission, owner: owner, watch: nil).job
    }

    /// Stores a new job and, with `watch`, also returns the stream of its later states (as
    /// `watch(id:owner:)` would, in the same event: one round trip for `?wait=`).
    public func submit(_ submission: JobSubmission, owner: String, watch: JobWatch?) async throws -> (job: JobRecord, updates: AsyncStream<JobRecord>?) {
        let now = PlatformTime.now()
        let type = submission.type
        let job = JobRecord(
            seq: 0, id: UUID().uuidString.lowercased(), owner: owner, type: type.name, status: .queued, priority: submission.priority,
            attempts: 0, maxAttempts: settings.maxAttempts(type), progress: 0, stage: nil, createdAt: now, startedAt: nil, finishedAt: nil,
            notBefore: now + Int64(submission.delaySeconds * 1000), params: submission.params, inputKey: submission.inputKey,
            resultText: nil, error: nil, outputs: [], webhookURL: submission.webhookURL, instance: nil
        )
        try store.insert(job)
        try keepHeartbeat()
        if job.notBefore > now {
            schedule([.set(JobTimer(kind: .release, jobId: job.id, dueAt: job.notBefore))])
        }
        publish(job)
        // Watch before dispatching, so no change is missed.
        let updates = watch.map { addWatcher(job.id, $0) }
        try await pump()
        return (live(try store.job(job.id) ?? job), updates)
    }

    /// The job `id`, if `owner` may see it (nil: an admin, who sees every job).
    public func job(id: String, owner: String?) throws -> JobRecord {
        guard let job = try store.job(id), owner == nil || job.owner == owner else { throw JobInputError.notFound(id) }
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
        guard !job.status.isTerminal else {
            throw JobInputError("Job \(id) already ended (\(job.status.rawValue)); only queued or running jobs can be cancelled.", code: "job_finished", status: 409)
        }
        stopAttempt(id)
        try store.finish(id, status: .cancelled, error: nil, at: PlatformTime.now())
        try await changed(id)
        try await pump()
        return try store.job(id) ?? job
    }

    /// The job now and, unless it has ended, a stream of its later states (`watch` says which)
    /// that finishes after the terminal one.
    public func watch(id: String, owner: String?, _ watch: JobWatch = .everyChange) throws -> (job: JobRecord, updates: AsyncStream<JobRecord>?) {
        let job = try job(id: id, owner: owner)
        guard !job.status.isTerminal else { return (job, nil) }
        return (job, addWatcher(id, watch))
    }

    /// A stream of the job's later states that finishes after the terminal one (or, for
    /// `.end(within:)`, at the deadline, with the state then).
    private func addWatcher(_ id: String, _ watch: JobWatch) -> AsyncStream<JobRecord> {
        let (updates, continuation) = AsyncStream.makeStream(of: JobRecord.self, bufferingPolicy: .bufferingNewest(32))
        let key = nextWatcher
        nextWatcher += 1
        let (endOnly, deadline): (Bool, Duration?) = switch watch {
        case .everyChange: (false, nil)
        case .end(let within): (true, within)
        }
        watchers[id, default: [:]][key] = Watcher(continuation: continuation, endOnly: endOnly)
        // Keeps the object (and so the watcher list) in memory while someone watches, until the
        // deadline; cancelled when the stream ends first, and at shutdown (which ends the stream).
        // At the deadline the state comes from an event, so it has passed the output gate.
        let env = self.env
        let pin = state.waitUntil {
            try? await Task.sleep(for: deadline ?? .seconds(365 * 86_400))
            if !Task.isCancelled,
               case let last?? = try? await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self, { try await $0.endWatcher(id, key) }) {
                continuation.yield(last)
            }
            continuation.finish()
        }
        continuation.onTermination = { [weak self] reason in
            pin.cancel()
            // A terminal state already removed its watchers; a watcher that left did not.
            if case .cancelled = reason { Task { await self?.unwatch(id, key) } }
        }
        return updates
    }

    /// A watcher's time ran out: it goes, and an end-only watcher gets the job's state now
    /// (nil when the watcher is already gone: its terminal state is on its way).
    func endWatcher(_ id: String, _ key: Int) throws -> JobRecord? {
        guard let watcher = watchers[id]?[key] else { return nil }
        unwatch(id, key)
        guard watcher.endOnly, let job = try store.job(id) else { return nil }
        return live(job)
    }

    // MARK: operations

    /// Queue depth per type and priority, with running and dead-lettered counts.
    public func queues() throws -> JSONValue {
        var types: [String: [String: JSONValue]] = [:]
        for name in JobType.all.keys {
            types[name] = ["queued": .object(Dictionary(uniqueKeysWithValues: JobPriority.allCases.map { ($0.rawValue, JSONValue.number(0)) })),
                           "running": 0, "deadLettered": 0]
        }
        var totalQueued = 0
        for row in try store.depth() {
            var entry = types[row.type] ?? ["queued": .object([:]), "running": 0, "deadLettered": 0]
            switch row.status {
            case "queued":
                var queued = entry["queued"]?.objectValue ?? [:]
                queued[JobPriority(rank: row.priority)?.rawValue ?? "normal"] = .number(Double(row.count))
                entry["queued"] = .object(queued)
                totalQueued += row.count
            case "running": entry["running"] = .number(Double(row.count))
            default: entry["deadLettered"] = .number(Double(row.count))
            }
            types[row.type] = entry
        }
        return .object([
            "types": .object(types.mapValues { .object($0) }),
            "totalQueued": .number(Double(totalQueued)),
            "running": .number(Double(running.count)),
        ])
    }

    /// Every container instance the platform has used: class, name, id, state, pid, jobs in flight, uptime.
    public func instances() async throws -> JSONValue {
        var out: [JSONValue] = []
        for row in try store.instances() {
            guard let type = JobType.byContainerClass[row.className] else { continue }
            let info = try? await type.snapshot(row.name, env: env)
            let index = JobType.instanceIndex(row.name)
            out.append(.object([
                "class": .string(row.className), "name": .string(row.name), "id": .string(row.id),
                "state": .string(info?.state ?? "stopped"), "pid": info?.pid.map { .number(Double($0)) } ?? .null,
                "jobsInFlight": .number(Double(pool.jobs(className: row.className, index: index))),
                "uptimeSeconds": info?.uptimeSeconds.map { .number(($0 * 1000).rounded() / 1000) } ?? .null,
                "memoryBytes": info?.memoryBytes.map { .number(Double($0)) } ?? .null,
                "starts": .number(Double(row.starts)),
            ]))
        }
        return .object(["instances": .array(out), "scalingEvents": .array(try store.scalingEvents(limit: 50))])
    }

    /// Instance-seconds and cost per class, from each class's instance type.
    public func costs() async throws -> JSONValue {
        var seconds = try store.costSeconds()
        let now = PlatformTime.now()
        for row in try store.instances() {
            if let started = row.startedAt { seconds[row.className, default: 0] += max(0, Double(now - started) / 1000) }
        }
        var classes: [JSONValue] = []
        var total = 0.0
        for (type, jobType) in JobType.byContainerClass.sorted(by: { $0.key < $1.key }) {
            let settings = try? await settings(for: jobType)
            let used = seconds[type] ?? 0
            let hourly = settings.map { CostTable.hourlyPrice($0.instanceType) } ?? 0
            let cost = used / 3600 * hourly
            total += cost
            classes.append(.object([
                "class": .string(type), "instanceType": settings.map { .string($0.instanceType.name) } ?? .null,
                "instanceSeconds": .number((used * 1000).rounded() / 1000), "hourlyPriceUSD": .number(hourly),
                "costUSD": .number((cost * 1_000_000).rounded() / 1_000_000),
            ]))
        }
        return .object(["classes": .array(classes), "totalCostUSD": .number((total * 1_000_000).rounded() / 1_000_000), "currency": "USD"])
    }

    /// Counters since the orchestrator's storage was created (jobs submitted, succeeded, …).
    public func metrics() throws -> [String: Int] { try store.metrics() }

    // MARK: events from runners, the scheduler and containers

    /// Progress of the current attempt of `id`.
    public func attemptProgress(id: String, attempt: Int, progress: Double, stage: String) throws {
        guard running[id]?.attempt == attempt else { return }
        liveProgress[id] = (min(max(progress, 0), 1), stage)
        if watchers[id]?.values.contains(where: { !$0.endOnly }) == true, let job = try store.job(id) { notifyProgress(live(job)) }
    }

    /// The current attempt of `id` ended.
    func attemptFinished(id: String, attempt: Int, outcome: JobRunner.Outcome) async throws {
        guard let attemptInFlight = running[id], attemptInFlight.attempt == attempt else { return }
        release(id, attemptInFlight)
        guard let job = try store.job(id), job.status == .running, job.attempts == attempt else { return }
        switch outcome {
        case .succeeded(let result, let outputs):
            try store.succeed(id, result: result, outputs: outputs, at: PlatformTime.now())
        case .failed(let failure, let retryable):
            try await failed(job, failure, retryable: retryable)
        }
        try await changed(id)
        try await pump()
    }

    /// The scheduler found attempt `attempt` of `id` over its time: its work is stopped and the
    /// job retried (or dead-lettered).
    public func attemptTimedOut(id: String, attempt: Int) async throws {
        guard running[id]?.attempt == attempt, let job = try store.job(id), job.status == .running else { return }
        stopAttempt(id)
        let limit = JobType.all[job.type].map(settings.timeout) ?? 0
        try await failed(job, JobFailure(code: "timeout", message: "The attempt ran longer than \(Self.seconds(limit)) and was stopped."), retryable: true)
        try await changed(id)
        try await pump()
    }

    /// Looks at the queue now (a delay or backoff ended).
    public func wake() async throws {
        try await pump()
    }

    public func alarm(_ info: AlarmInvocationInfo) async throws {
        try await pump()
        let pending = try store.pendingHandoffs()
        for job in pending { startHandOff(job) }
        if try store.unfinishedCount() > 0 || !pending.isEmpty {
            try state.storage.setAlarm(PlatformTime.now() + Self.heartbeatMilliseconds)
        }
    }

    /// The scheduler has the job's webhook and dead letter: the restart mark goes.
    func handedOff(id: String) throws {
        handingOff.remove(id)
        try store.clearHandoffPending(id)
    }

    /// A container instance answered on its port.
    public func instanceStarted(id: String, pid: Int32?) throws {
        try store.instanceStarted(id: id, pid: pid, at: PlatformTime.now())
    }

    /// A container instance's process ended; its running time goes to its class's cost.
    public func instanceStopped(id: String, exitCode: Int32) throws {
        let now = PlatformTime.now()
        guard let stopped = try store.instanceStopped(id: id, exitCode: exitCode, at: now) else { return }
        let (className, name) = stopped
        let index = JobType.instanceIndex(name)
        let busy = pool.busyInstances(className)
        let why = pool.jobs(className: className, index: index) > 0
            ? "\(name) exited with code \(exitCode) while running jobs"
            : "\(name) stopped after sleepAfter with no work (exit code \(exitCode))"
        try store.recordScaling(className: className, action: "scale_down", instances: busy, reason: why, at: now)
    }

    // MARK: dispatch

    /// Starts queued work, best first, wherever an instance has room.
    private func pump() async throws {
        guard !Task.isCancelled else { return }
        // Class settings need a call: ask once per class, before taking anything off the queue.
        for (className, type) in JobType.byContainerClass where classSettings[className] == nil && !unconfigured.contains(className) {
            _ = try? await settings(for: type)
        }
        // From here to the end of the loop nothing awaits, so no other event can take the same job.
        let now = PlatformTime.now()
        let ready = try store.ready(now: now, limit: 256)
        var full: Set<String> = []
        var dispatched: [(job: JobRecord, type: JobType)] = []
        var ended: [String] = []
        let depth = Dictionary(grouping: ready, by: { JobType.all[$0.type]?.containerClass ?? "" }).mapValues(\.count)
        for job in ready where running[job.id] == nil {
            guard let type = JobType.all[job.type] else {
                try store.finish(job.id, status: .failed, error: JobFailure(code: "unknown_job_type", message: "Job type \(job.type) is no longer supported."), at: now)
                ended.append(job.id)
                continue
            }
            if full.contains(type.containerClass) { continue }
            guard let settings = classSettings[type.containerClass] else {
                try store.finish(job.id, status: .failed, error: JobFailure(
                    code: "container_not_configured",
                    message: "No container runs \(type.name) jobs: add a [[containers]] entry with class_name = \"\(type.containerClass)\" and a Durable Object binding \(type.binding)."
                ), at: now)
                ended.append(job.id)
                continue
            }
            guard let slot = pool.acquire(className: type.containerClass, concurrency: type.concurrency, maxInstances: settings.maxInstances) else {
                full.insert(type.containerClass)
                continue
            }
            let name = type.instanceName(slot.index)
            if slot.scaledUp {
                let busy = pool.busyInstances(type.containerClass)
                let reason = busy == 1
                    ? "\(depth[type.containerClass] ?? 1) job(s) queued and no instance busy: starting \(name)"
                    : "\(depth[type.containerClass] ?? 1) job(s) queued and \(busy - 1) busy instance(s) full at \(type.concurrency) jobs each: adding \(name) (max_instances \(settings.maxInstances))"
                try store.recordScaling(className: type.containerClass, action: "scale_up", instances: busy, reason: reason, at: now)
            }
            try store.recordInstanceUse(id: env.durableObject(type.binding).idFromName(name).hex, className: type.containerClass, name: name)
            let attempt = job.attempts + 1
            try store.markRunning(job.id, attempt: attempt, instance: name, at: now)
            var current = job
            current.attempts = attempt
            current.status = .running
            current.instance = name
            let runner = JobRunner(job: current, type: type, attempt: attempt, instanceName: name, env: env)
            let task = state.waitUntil { await runner.run() }
            running[job.id] = RunningAttempt(attempt: attempt, className: type.containerClass, index: slot.index, task: task)
            dispatched.append((current, type))
        }
        for id in ended + dispatched.map(\.job.id) { try await changed(id) }
        schedule(dispatched.map { job, type in
            .set(JobTimer(kind: .timeout, jobId: job.id, attempt: job.attempts, dueAt: now + Int64(self.settings.timeout(type) * 1000)))
        })
    }

    /// Records a failed attempt: back to the queue after a backoff while attempts remain and the
    /// fault is worth retrying; otherwise dead-lettered (retryable) or failed (not).
    private func failed(_ job: JobRecord, _ failure: JobFailure, retryable: Bool) async throws {
        let now = PlatformTime.now()
        if retryable && job.attempts < job.maxAttempts {
            let delay = settings.retryDelay(afterAttempt: job.attempts)
            let at = now + Int64(delay * 1000)
            try store.requeue(job.id, error: failure, notBefore: at)
            if at > now { schedule([.set(JobTimer(kind: .release, jobId: job.id, dueAt: at))]) }
        } else {
            let final = retryable
                ? JobFailure(code: failure.code, message: failure.message + " (gave up after \(job.attempts) attempt\(job.attempts == 1 ? "" : "s"))")
                : failure
            try store.finish(job.id, status: retryable ? .deadLettered : .failed, error: final, at: now)
        }
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

    /// After a change of `id`'s status: watchers and the KV cache hear of it once it is on disk;
    /// a terminal job with a webhook (or a dead letter) is handed to the scheduler.
    private func changed(_ id: String) async throws {
        guard let job = try store.job(id) else { return }
        if job.status.isTerminal, job.webhookURL != nil || job.status == .deadLettered {
            // Marked in the same transaction as the status, with the heartbeat that retries it.
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
        let listeners = (watchers[job.id] ?? [:]).values.filter { terminal || !$0.endOnly }.map(\.continuation)
        if terminal { watchers[job.id] = nil }
        let handOff = terminal && (shown.webhookURL != nil || shown.status == .deadLettered)
        let (kvCache, state) = (self.kvCache, self.state)
        state.storage.afterDurable { [weak self] in
            for listener in listeners {
                listener.yield(shown)
                if terminal { listener.finish() }
            }
            if kvCache.add(shown.id, shown) { state.waitUntil { [weak self] in await self?.writeKVCache() } }
            if handOff { Task { [weak self] in await self?.startHandOff(shown) } }
        }
    }

    /// Writes `job:<id>` (24 h TTL) for each job's latest published status, a batch per commit,
    /// gathered over `kvCacheDelay`: a job that ends within it has only its final status written.
    private func writeKVCache() async {
        let kv = try? env.kv(PlatformBindings.jobStatus)
        while true {
            try? await Task.sleep(for: Self.kvCacheDelay)
            guard let jobs = kvCache.next() else { return }
            let entries = jobs.map { (key: JobRecord.cacheKey($0.id), value: Array($0.cacheJSON.serialized().utf8)) }
            try? await kv?.put(entries, options: KVPutOptions(expirationTtl: 86_400))
        }
    }

    /// Gives a terminal job's webhook and dead letter to the scheduler in the background, then
    /// clears the mark (as an event). A failed hand-off keeps the mark: the heartbeat, or the next
    /// start, tries again, and the scheduler ignores a repeat.
    private func startHandOff(_ job: JobRecord) {
        guard handingOff.insert(job.id).inserted else { return }
        let body = Array(job.json.serialized().utf8)
        let (id, type, url, event, env) = (job.id, job.type, job.webhookURL, "job." + job.status.rawValue, self.env)
        state.waitUntil { [weak self] in
            do {
                try await PlatformBindings.scheduler(env).call(JobScheduler.self) { try await $0.jobEnded(jobId: id, type: type, webhookURL: url, event: event, body: body) }
                try await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) { try await $0.handedOff(id: id) }
            } catch {
                await self?.handOffFailed(id)
            }
        }
    }

    private func handOffFailed(_ id: String) { handingOff.remove(id) }

    /// Sends timer changes to the scheduler in the background, in batches gathered over
    /// `timerBatchDelay` (the latest change per timer wins): none is needed for correctness right
    /// away — the heartbeat finds ready jobs, and a stale timeout is ignored. A cancel that meets
    /// its own timer still waiting here takes it back, so a short attempt's timeout never reaches
    /// the scheduler at all.
    private func schedule(_ changes: [JobTimer.Change]) {
        var start = false
        for change in changes {
            if case .cancel = change, timers.withdraw(change.key, if: { if case .set = $0 { true } else { false } }) { continue }
            if timers.add(change.key, change) { start = true }
        }
        guard start else { return }
        let (env, timers) = (self.env, self.timers)
        state.waitUntil {
            while true {
                try? await Task.sleep(for: Self.timerBatchDelay)
                guard let batch = timers.next() else { return }
                _ = try? await PlatformBindings.scheduler(env).call(JobScheduler.self) { try await $0.apply(batch) }
            }
        }
    }

    /// How long job statuses gather before they are written to the KV cache.
    static let kvCacheDelay = Duration.milliseconds(250)

    /// How long timer changes gather before they go to the scheduler.
    static let timerBatchDelay = Duration.milliseconds(200)

    /// Tells the watchers that hear every change about a running job's progress (kept in memory
    /// only: nothing to wait for on disk).
    private func notifyProgress(_ job: JobRecord) {
        for watcher in (watchers[job.id] ?? [:]).values where !watcher.endOnly { watcher.continuation.yield(job) }
    }

    private func unwatch(_ id: String, _ key: Int) {
        watchers[id]?[key] = nil
        if watchers[id]?.isEmpty == true { watchers[id] = nil }
    }

    // MARK: helpers

    private func settings(for type: JobType) async throws -> ContainerClassSettings? {
        if let known = classSettings[type.containerClass] { return known }
        let loaded = try await type.classSettings(env: env)
        if let loaded { classSettings[type.containerClass] = loaded } else { unconfigured.insert(type.containerClass) }
        return loaded
    }

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
        return job
    }



    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
