import NIOConcurrencyHelpers

/// Work for one background writer: the latest value per key, handed over in batches.
///
/// `add` says whether the caller must start a writer (none is running); the writer loops on
/// `next()` until it returns nil, which also marks it stopped, so exactly one writer runs
/// whenever there is work.
final class CoalescingQueue<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var pending: [Key: Value] = [:]
        var order: [Key] = []
        var writing = false
    }
    private let state = NIOLockedValueBox(State())

    init() {}

    /// Adds (or replaces) `value` under `key`; true when a writer has to be started.
    func add(_ key: Key, _ value: Value) -> Bool {
        state.withLockedValue { s in
            if s.pending.updateValue(value, forKey: key) == nil { s.order.append(key) }
            guard !s.writing else { return false }
            s.writing = true
            return true
        }
    }

    /// Takes back the value waiting under `key` when `matches` says so; true when it was taken.
    func withdraw(_ key: Key, if matches: (Value) -> Bool) -> Bool {
        state.withLockedValue { s in
            guard let value = s.pending[key], matches(value) else { return false }
            s.pending[key] = nil
            s.order.removeAll { $0 == key }
            return true
        }
    }

    /// The next batch in arrival order, or nil (and the writer stops) when there is none.
    func next() -> [Value]? {
        state.withLockedValue { s in
            guard !s.order.isEmpty else {
                s.writing = false
                return nil
            }
            let batch = s.order.compactMap { s.pending[$0] }
            s.pending = [:]
            s.order = []
            return batch
        }
    }
}
