/// Which objects of one class are live, as a plain value: at most one instance per id;
/// concurrent first calls start one activation and wait for it.
struct ActivationTable<Instance: AnyObject, Waiter> {
    enum Slot {
        case activating(generation: UInt64, waiters: [Waiter])
        case active(Instance)
    }

    private(set) var slots: [String: Slot] = [:]
    private var nextGeneration: UInt64 = 0

    enum AcquireAction {
        case use(Instance)
        /// Build the instance; report with `activated` or `activationFailed`.
        case activate(generation: UInt64)
        case wait
    }

    mutating func acquire(_ id: String, waiter: @autoclosure () -> Waiter) -> AcquireAction {
        switch slots[id] {
        case .active(let instance):
            return .use(instance)
        case .activating(let generation, var waiters):
            waiters.append(waiter())
            slots[id] = .activating(generation: generation, waiters: waiters)
            return .wait
        case nil:
            nextGeneration += 1
            slots[id] = .activating(generation: nextGeneration, waiters: [])
            return .activate(generation: nextGeneration)
        }
    }

    /// The activation finished: waiters to hand the instance to, or nil when the activation was
    /// abandoned meanwhile (reset), in which case the instance must be discarded.
    mutating func activated(_ id: String, generation: UInt64, instance: Instance) -> [Waiter]? {
        guard case .activating(generation, let waiters) = slots[id] else { return nil }
        slots[id] = .active(instance)
        return waiters
    }

    /// The activation failed or was abandoned: waiters to fail.
    mutating func activationFailed(_ id: String, generation: UInt64) -> [Waiter] {
        guard case .activating(generation, let waiters) = slots[id] else { return [] }
        slots[id] = nil
        return waiters
    }

    /// Drops `instance` if it is the live one for `id`.
    @discardableResult
    mutating func remove(_ id: String, instance: Instance) -> Bool {
        guard case .active(let live) = slots[id], live === instance else { return false }
        slots[id] = nil
        return true
    }

    func instance(_ id: String) -> Instance? {
        if case .active(let i) = slots[id] { return i }
        return nil
    }

    var activeInstances: [Instance] {
        slots.values.compactMap { if case .active(let i) = $0 { i } else { nil } }
    }

    var count: Int { slots.count }
}

extension ActivationTable: Sendable where Instance: Sendable, Waiter: Sendable {}
extension ActivationTable.Slot: Sendable where Instance: Sendable, Waiter: Sendable {}
