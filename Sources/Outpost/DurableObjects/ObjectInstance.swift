import NIOConcurrencyHelpers

/// One live instance of a Durable Object: the actor, its storage and its input gate.
final class ObjectInstance: @unchecked Sendable {
    // @unchecked: `inflight`, `lastUsed` and `detached` are only read or written while the owning
    // DurableObjectHost's table lock is held; everything else is immutable.
    let id: DurableObjectId
    let object: any DurableObject
    let storage: DurableObjectStorage
    let gate: ObjectGate
    /// Events admitted and not yet released.
    var inflight = 0
    var lastUsed = ContinuousClock.now
    /// Evicted or reset: no new event reaches it; its file closes when `inflight` reaches 0.
    var detached = false

    init(id: DurableObjectId, object: any DurableObject, storage: DurableObjectStorage, gate: ObjectGate) {
        self.id = id
        self.object = object
        self.storage = storage
        self.gate = gate
    }

    var database: ObjectDatabase { storage.database }
}

/// What an event waiting to enter an object is told.
enum AdmissionOutcome: Sendable {
    case instance(ObjectInstance)
    case activate(generation: UInt64)
    /// The gate opened or the object was reset: look the object up again.
    case retry
}

/// The input gate of one activation: `blockConcurrencyWhile` closes it, and events arriving
/// meanwhile wait. Also how the object asks the host to reset it.
final class ObjectGate: Sendable {
    struct State {
        var blockers = 0
        var reset = false
        /// Background operations (`state.waitUntil`) still running: the object is not evicted meanwhile.
        var pins = 0
        var waiting: [CheckedContinuation<AdmissionOutcome, any Error>] = []
    }

    let id: DurableObjectId
    let generation: UInt64
    let blockConcurrencyTimeout: Duration
    private let state = NIOLockedValueBox(State())
    private let onReset: @Sendable (ObjectGate, DurableObjectError) -> Void

    init(id: DurableObjectId, generation: UInt64, blockConcurrencyTimeout: Duration, onReset: @escaping @Sendable (ObjectGate, DurableObjectError) -> Void) {
        self.id = id
        self.generation = generation
        self.blockConcurrencyTimeout = blockConcurrencyTimeout
        self.onReset = onReset
    }

    /// True when the event may enter now; otherwise `waiter` is queued and resumed with `.retry`.
    func admit(_ waiter: CheckedContinuation<AdmissionOutcome, any Error>) -> Bool {
        state.withLockedValue { s in
            if s.blockers == 0 && !s.reset { return true }
            s.waiting.append(waiter)
            return false
        }
    }

    func block() {
        state.withLockedValue { $0.blockers += 1 }
    }

    func unblock() {
        let released: [CheckedContinuation<AdmissionOutcome, any Error>] = state.withLockedValue { s in
            s.blockers -= 1
            guard s.blockers == 0 else { return [] }
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in released { w.resume(returning: .retry) }
    }

    var isReset: Bool { state.withLockedValue { $0.reset } }

    /// True when an event may enter now (what `admit` checks, without queueing a waiter).
    var isOpen: Bool { state.withLockedValue { $0.blockers == 0 && !$0.reset } }

    /// Keeps the activation from being evicted until the matching `unpin`.
    func pin() { state.withLockedValue { $0.pins += 1 } }
    func unpin() { state.withLockedValue { $0.pins -= 1 } }
    var isPinned: Bool { state.withLockedValue { $0.pins > 0 } }

    /// Resets the object: the host drops this activation; waiting events look it up again.
    func reset(_ error: DurableObjectError) {
        let released: [CheckedContinuation<AdmissionOutcome, any Error>]? = state.withLockedValue { s in
            if s.reset { return nil }
            s.reset = true
            defer { s.waiting = [] }
            return s.waiting
        }
        guard let released else { return }
        onReset(self, error)
        for w in released { w.resume(returning: .retry) }
    }
}
