/// What a Durable Object is built with: its id, its storage, and the input gate.
public final class DurableObjectState: Sendable {
    public let id: DurableObjectId
    public let storage: DurableObjectStorage
    /// The container instance this object owns, when its class has a `[[containers]]` entry.
    public let container: ContainerHandle?
    let gate: ObjectGate
    let tasks: DurableObjectTasks

    init(id: DurableObjectId, storage: DurableObjectStorage, gate: ObjectGate, tasks: DurableObjectTasks, container: ContainerHandle? = nil) {
        self.id = id
        self.storage = storage
        self.gate = gate
        self.tasks = tasks
        self.container = container
    }

    /// Runs `operation` in the background and keeps this object in memory (not evicted) until it ends.
    ///
    /// The operation is not an event: storage writes belong in events, so make them by calling
    /// back into the object through its stub. On runtime shutdown the operation is cancelled
    /// before containers stop and storage closes. The task it runs in is returned (an Outpost
    /// addition), so the object can cancel the operation itself.
    @discardableResult
    public func waitUntil(_ operation: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let gate = self.gate
        gate.pin()
        return tasks.start {
            await operation()
            gate.unpin()
        }
    }

    /// Runs `body` while no other event is delivered to this object.
    ///
    /// If `body` throws, or runs longer than 30 s (configurable), the object is reset: this
    /// instance is dropped and the next event builds a fresh one from storage.
    public func blockConcurrencyWhile<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        let gate = self.gate
        let timeout = gate.blockConcurrencyTimeout
        // One deadline, fixed before the body starts: the timer resets the object at it while the
        // body still runs, and a body that ends past it has overrun however late the timer ran.
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let overrun = DurableObjectError.reset("blockConcurrencyWhile() ran longer than \(timeout)")
        gate.block()
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self, isolation: isolation) { group in
            group.addTask {
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
                gate.reset(overrun)
            }
            let r: Result<T, any Error>
            do { r = .success(try await body()) } catch { r = .failure(error) }
            if ContinuousClock.now >= deadline { gate.reset(overrun) }
            group.cancelAll()
            return r
        }
        gate.unblock()
        switch result {
        case .success(let value):
            if gate.isReset { throw overrun }
            return value
        case .failure(let error):
            gate.reset(.reset("blockConcurrencyWhile() threw: \(error)"))
            throw error
        }
    }
}
