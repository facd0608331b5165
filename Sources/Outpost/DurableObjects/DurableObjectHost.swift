import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// Runs the objects of one exported class: activation (one live instance per id), event
/// delivery through the input and output gates, alarms, eviction.
final class DurableObjectHost: Sendable {
    typealias Waiter = CheckedContinuation<AdmissionOutcome, any Error>

    let className: String
    let factory: DurableObjectFactory
    let codec: DurableObjectIdCodec
    let directory: ObjectDirectory
    let classDirectory: String
    let options: DurableObjectOptions
    let context: RuntimeContext
    /// The Worker's env, which objects are built with (`DurableObjectsSubsystem` makes it after this host).
    let env: @Sendable () -> Env
    /// The containers, for the classes that own one (`state.container`).
    let containers: ContainersSubsystem?
    let syncPool: NIOThreadPool
    let tasks: DurableObjectTasks
    private let table = NIOLockedValueBox(ActivationTable<ObjectInstance, Waiter>())

    init(
        className: String, factory: @escaping DurableObjectFactory, directory: ObjectDirectory, options: DurableObjectOptions,
        context: RuntimeContext, env: @escaping @Sendable () -> Env, containers: ContainersSubsystem?, syncPool: NIOThreadPool, tasks: DurableObjectTasks
    ) throws {
        self.tasks = tasks
        self.className = className
        self.factory = factory
        self.directory = directory
        self.classDirectory = directory.classDirectory(className)
        self.options = options
        self.context = context
        self.env = env
        self.containers = containers
        self.syncPool = syncPool
        self.codec = DurableObjectIdCodec(keyBytes: try directory.namespaceKey(className: className))
        try FileManager.default.createDirectory(atPath: classDirectory, withIntermediateDirectories: true)
    }

    func path(of id: DurableObjectId) -> String { classDirectory + "/" + id.hex + ".sqlite" }

    // MARK: activation

    /// Admits one event to the object `id`, activating it if needed. Pair with `release`.
    func acquire(_ id: DurableObjectId) async throws -> ObjectInstance {
        // Fast path: a live object whose input gate is open admits the event without suspending.
        let live = table.withLockedValue { t -> ObjectInstance? in
            guard let instance = t.instance(id.hex), instance.gate.isOpen else { return nil }
            instance.inflight += 1
            instance.lastUsed = .now
            return instance
        }
        if let live { return live }
        while true {
            var candidate: ObjectInstance?
            let outcome: AdmissionOutcome = try await withCheckedThrowingContinuation { (c: Waiter) in
                let action = table.withLockedValue { t -> ActivationTable<ObjectInstance, Waiter>.AcquireAction in
                    let a = t.acquire(id.hex, waiter: c)
                    if case .use(let instance) = a {
                        instance.inflight += 1
                        instance.lastUsed = .now
                    }
                    return a
                }
                switch action {
                case .use(let instance):
                    candidate = instance
                    if instance.gate.admit(c) { c.resume(returning: .instance(instance)) }
                case .activate(let generation):
                    c.resume(returning: .activate(generation: generation))
                case .wait:
                    break
                }
            }
            switch outcome {
            case .instance(let instance):
                return instance
            case .retry:
                if let candidate { await release(candidate) }
            case .activate(let generation):
                return try await activate(id, generation: generation)
            }
        }
    }

    private func activate(_ id: DurableObjectId, generation: UInt64) async throws -> ObjectInstance {
        let instance: ObjectInstance
        do {
            let database = try ObjectDatabase(path: path(of: id), syncPool: syncPool)
            if let name = id.name, database.created {
                try directory.recordName(className: className, id: id.hex, name: name)
            }
            let storage = DurableObjectStorage(
                database: database, className: className, objectID: id.hex,
                directory: directory, clock: context.clock, onAlarmChange: {}
            )
            let gate = ObjectGate(id: id, generation: generation, blockConcurrencyTimeout: options.blockConcurrencyTimeout) { [weak self] gate, error in
                self?.reset(gate, error)
            }
            let container = containers?.handle(className: className, id: id) { [weak self] _, instanceID in
                await self?.containerActivityExpired(instanceID: instanceID) ?? false
            }
            let state = DurableObjectState(id: id, storage: storage, gate: gate, tasks: tasks, container: container)
            let object: any DurableObject
            do {
                object = try await factory(state, env())
            } catch {
                await closeOffPool(database)
                throw error
            }
            _ = await object.outpostEndEvent(storage)
            instance = ObjectInstance(id: id, object: object, storage: storage, gate: gate)
        } catch {
            let waiters = table.withLockedValue { $0.activationFailed(id.hex, generation: generation) }
            for w in waiters { w.resume(throwing: error) }
            throw error
        }
        let waiters: [Waiter]? = table.withLockedValue { t in
            guard let waiters = t.activated(id.hex, generation: generation, instance: instance) else { return nil }
            instance.inflight += 1 + waiters.count
            instance.lastUsed = .now
            return waiters
        }
        guard let waiters else {
            await closeOffPool(instance.database)
            throw DurableObjectError.reset("the object was reset while it was being constructed")
        }
        context.metrics.increment(RuntimeMetricFamilies.objectActivations, className)
        for w in waiters { w.resume(returning: .instance(instance)) }
        return instance
    }

    /// Ends an event's admission.
    func release(_ instance: ObjectInstance) async {
        let close = table.withLockedValue { _ -> Bool in
            instance.inflight -= 1
            instance.lastUsed = .now
            return instance.detached && instance.inflight == 0
        }
        if close { await closeOffPool(instance.database) }
    }

    /// Drops the activation `gate` belongs to (blockConcurrencyWhile threw or overran).
    func reset(_ gate: ObjectGate, _ error: DurableObjectError) {
        context.logger.warning("Durable Object \(className) \(gate.id.hex) reset: \(error.message)")
        let (waiters, closeNow): ([Waiter], ObjectInstance?) = table.withLockedValue { t in
            if let live = t.instance(gate.id.hex), live.gate === gate {
                t.remove(gate.id.hex, instance: live)
                live.detached = true
                return ([], live.inflight == 0 ? live : nil)
            }
            return (t.activationFailed(gate.id.hex, generation: gate.generation), nil)
        }
        for w in waiters { w.resume(throwing: error) }
        if let closeNow { closeNow.database.close() }
    }

    private func closeOffPool(_ database: ObjectDatabase) async {
        do {
            try await syncPool.runIfActive { database.close() }
        } catch {
            database.close()
        }
    }

    // MARK: events

    /// Runs one event on object `id`: admits it (activating the object if needed), runs `body`,
    /// then holds the result until the event's commit is durable (the output gate) and ends the
    /// admission, whatever happened.
    ///
    /// `body` delivers the event on the actor and ends it there, returning the event's result and
    /// its commit (0 when it ran no event). When `body` throws, no event ran; the error is rethrown
    /// after the release, as is a failure to make the commit durable.
    func withEvent<T>(_ id: DurableObjectId, _ body: (ObjectInstance) async throws -> (Result<T, any Error>, UInt64)) async throws -> T {
        try await withEvent(admitted: try await acquire(id), body)
    }

    /// `withEvent(_:_:)` for an instance already admitted with `acquire`; ends its admission.
    func withEvent<T>(admitted instance: ObjectInstance, _ body: (ObjectInstance) async throws -> (Result<T, any Error>, UInt64)) async throws -> T {
        let result: Result<T, any Error>
        do {
            let (outcome, commit) = try await body(instance)
            try await instance.database.waitDurable(commit)
            result = outcome
        } catch {
            await release(instance)
            throw error
        }
        await release(instance)
        return try result.get()
    }

    /// Delivers a request and returns the response once the writes before it are durable.
    func fetch(_ id: DurableObjectId, _ request: Request) async throws -> Response {
        try await withEvent(id) { instance in
            await instance.object.outpostFetch(request, storage: instance.storage)
        }
    }

    /// Runs `body` with the object as `O`, then releases its result once the writes before it are durable.
    func call<O: DurableObject, T: Sendable>(_ id: DurableObjectId, as type: O.Type, _ body: @Sendable (O) async throws -> T) async throws -> T {
        try await withEvent(id) { instance in
            guard let object = instance.object as? O else {
                throw DurableObjectError(.wrongClass, "The object bound as class \(className) is a \(Swift.type(of: instance.object)), not a \(O.self).")
            }
            let result: Result<T, any Error>
            do { result = .success(try await body(object)) } catch { result = .failure(error) }
            return (result, await object.outpostEndEvent(instance.storage))
        }
    }

    /// Runs the alarm of `entry` once: the handler, then the bookkeeping (clear, or schedule a
    /// retry with backoff), committed before the admission ends.
    func runAlarm(_ entry: ObjectDirectory.AlarmEntry) async {
        guard let bytes = DurableObjectId.parseHex(entry.id) else {
            try? directory.deleteAlarm(className: className, id: entry.id)
            return
        }
        let id = DurableObjectId(bytes: bytes, name: nil)
        let instance: ObjectInstance
        do {
            instance = try await acquire(id)
        } catch {
            context.logger.error("Durable Object \(className) \(entry.id): alarm could not activate the object: \(error)")
            try? directory.setAlarm(className: className, id: entry.id, time: context.clock.nowMilliseconds() + options.alarmRetryMilliseconds(afterAttempt: entry.retry), retry: entry.retry)
            return
        }
        let directory = self.directory
        let className = self.className
        let options = self.options
        let clock = context.clock
        let logger = context.logger
        let metrics = context.metrics
        // Nobody waits for an alarm's reply, so a commit that fails to become durable is only lost work.
        try? await withEvent(admitted: instance) { instance in
            let storage = instance.storage
            guard await instance.object.outpostStoredAlarm(storage) != nil else {
                // The index had a row the object no longer has (deleted, or a crash between the two writes).
                try? directory.deleteAlarm(className: className, id: entry.id)
                return (.success(()), 0)
            }
            let (result, seq) = await instance.object.outpostAlarm(AlarmInvocationInfo(retryCount: entry.retry), storage: storage) { succeeded, changed in
                metrics.increment(RuntimeMetricFamilies.alarms, className, succeeded ? "fired" : entry.retry < options.alarmMaxRetries ? "retried" : "gave_up")
                guard !changed else { return }
                do {
                    if succeeded {
                        try storage.deleteAlarm()
                    } else if entry.retry < options.alarmMaxRetries {
                        let next = clock.nowMilliseconds() + options.alarmRetryMilliseconds(afterAttempt: entry.retry)
                        try storage.setAlarmForRetry(next, retry: entry.retry + 1)
                    } else {
                        logger.error("Durable Object \(className) \(entry.id): alarm failed \(entry.retry + 1) times; giving up")
                        try storage.deleteAlarm()
                    }
                } catch {
                    logger.error("Durable Object \(className) \(entry.id): alarm bookkeeping failed: \(error)")
                }
            }
            if case .failure(let error) = result {
                logger.warning("Durable Object \(className) \(entry.id): alarm threw (retry \(entry.retry)): \(error)")
            }
            return (.success(()), seq)
        }
    }

    // MARK: eviction

    /// Evicts objects idle for `options.idleTimeout`; returns how many.
    @discardableResult
    func evictIdle(now: ContinuousClock.Instant = .now) async -> Int {
        let timeout = options.idleTimeout
        let victims: [ObjectInstance] = table.withLockedValue { t in
            var out: [ObjectInstance] = []
            for instance in t.activeInstances where instance.inflight == 0 && !instance.gate.isPinned && now - instance.lastUsed >= timeout {
                t.remove(instance.id.hex, instance: instance)
                instance.detached = true
                out.append(instance)
            }
            return out
        }
        for v in victims { await closeOffPool(v.database) }
        if !victims.isEmpty { context.metrics.increment(RuntimeMetricFamilies.objectEvictions, className, by: Int64(victims.count)) }
        return victims.count
    }

    /// Evicts every object that has no event in flight (shutdown, tests).
    func evictAll() async -> Int {
        await evictIdle(now: .now + .seconds(365 * 86400) + options.idleTimeout)
    }

    /// Closes every file now; call when no event can arrive any more.
    func closeAll() {
        let all: [ObjectInstance] = table.withLockedValue { t in
            let all = t.activeInstances
            for i in all {
                t.remove(i.id.hex, instance: i)
                i.detached = true
            }
            return all
        }
        for i in all { i.database.close() }
    }

    /// Ids of the objects live in memory.
    var liveObjectIDs: [String] {
        table.withLockedValue { t in t.activeInstances.map(\.id.hex) }
    }
}
