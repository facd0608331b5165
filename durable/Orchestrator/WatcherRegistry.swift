import NIOConcurrencyHelpers

/// Who watches which job (SSE, `?wait=`), held by the orchestrator. A watcher hears a state only
/// once it is on disk: the orchestrator hands states over after `storage.afterDurable`, and
/// records them in `durable` there, so a deadline answers with a state that passed the output gate.
struct WatcherRegistry {
    /// The last state of each watched job known to be on disk (written from `afterDurable`).
    final class DurableStates: Sendable {
        private let states = NIOLockedValueBox<[String: JobRecord]>([:])

        /// Records a state of a watched job (a job nobody watches any more is not kept).
        func record(_ job: JobRecord) {
            states.withLockedValue { if $0[job.id] != nil { $0[job.id] = job.status.isTerminal ? nil : job } }
        }

        fileprivate func insertIfAbsent(_ job: JobRecord) { states.withLockedValue { if $0[job.id] == nil { $0[job.id] = job } } }
        fileprivate func get(_ id: String) -> JobRecord? { states.withLockedValue { $0[id] } }
        fileprivate func remove(_ id: String) { states.withLockedValue { $0[id] = nil } }
    }

    struct Watcher {
        let continuation: AsyncStream<JobRecord>.Continuation
        /// `?wait=`: only the end (or the state at its deadline).
        let endOnly: Bool
    }

    private var watchers: [String: [Int: Watcher]] = [:]
    let durable = DurableStates()
    private var nextKey = 0

    /// A new watcher of `job` (its state as the caller's event reads it: the caller sees nothing
    /// before that event's output gate); returns its key and stream.
    mutating func add(_ job: JobRecord, endOnly: Bool) -> (key: Int, updates: AsyncStream<JobRecord>, continuation: AsyncStream<JobRecord>.Continuation) {
        let (updates, continuation) = AsyncStream.makeStream(of: JobRecord.self, bufferingPolicy: .bufferingNewest(32))
        let key = nextKey
        nextKey += 1
        watchers[job.id, default: [:]][key] = Watcher(continuation: continuation, endOnly: endOnly)
        durable.insertIfAbsent(job)
        return (key, updates, continuation)
    }

    /// The watchers to tell of `job`'s new state once it is durable; a terminal state removes them all.
    mutating func published(_ job: JobRecord) -> [AsyncStream<JobRecord>.Continuation] {
        guard let forJob = watchers[job.id] else { return [] }
        let terminal = job.status.isTerminal
        let listeners = forJob.values.filter { terminal || !$0.endOnly }.map(\.continuation)
        if terminal { watchers[job.id] = nil }
        return listeners
    }

    /// Whether anyone watches `id` (whose durable states are then worth recording).
    func isWatched(_ id: String) -> Bool { watchers[id] != nil }

    /// The watchers of every change of `id` (for progress, which is in memory only).
    func progressListeners(_ id: String) -> [AsyncStream<JobRecord>.Continuation] {
        (watchers[id] ?? [:]).values.filter { !$0.endOnly }.map(\.continuation)
    }

    func hasProgressListeners(_ id: String) -> Bool { watchers[id]?.values.contains { !$0.endOnly } == true }

    /// A watcher's deadline passed: it goes. An end-only watcher gets the last durable state
    /// (nil when it is already gone: its terminal state is on its way).
    mutating func deadline(_ id: String, _ key: Int) -> JobRecord? {
        guard let watcher = watchers[id]?[key] else { return nil }
        let last = durable.get(id)
        unwatch(id, key)
        return watcher.endOnly ? last : nil
    }

    /// The watcher left.
    mutating func unwatch(_ id: String, _ key: Int) {
        watchers[id]?[key] = nil
        if watchers[id]?.isEmpty == true { remove(id) }
    }

    private mutating func remove(_ id: String) {
        watchers[id] = nil
        durable.remove(id)
    }
}
