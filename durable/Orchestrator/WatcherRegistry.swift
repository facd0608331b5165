/// Who watches which job (SSE, `?wait=`), held by the orchestrator. A watcher hears a state only
/// once it is on disk: the orchestrator hands states over after `storage.afterDurable`.
struct WatcherRegistry {
    struct Watcher {
        let continuation: AsyncStream<JobRecord>.Continuation
        /// `?wait=`: only the end (or the state at its deadline).
        let endOnly: Bool
    }

    private var watchers: [String: [Int: Watcher]] = [:]
    /// The last state of each watched job that was published (so it has passed the output gate).
    private var published: [String: JobRecord] = [:]
    private var nextKey = 0

    /// A new watcher of `job` (its current, published state); returns its key and stream.
    mutating func add(_ job: JobRecord, endOnly: Bool) -> (key: Int, updates: AsyncStream<JobRecord>, continuation: AsyncStream<JobRecord>.Continuation) {
        let (updates, continuation) = AsyncStream.makeStream(of: JobRecord.self, bufferingPolicy: .bufferingNewest(32))
        let key = nextKey
        nextKey += 1
        watchers[job.id, default: [:]][key] = Watcher(continuation: continuation, endOnly: endOnly)
        if published[job.id] == nil { published[job.id] = job }
        return (key, updates, continuation)
    }

    /// The watchers to tell of `job`'s new durable state; a terminal state removes them all.
    mutating func published(_ job: JobRecord) -> [AsyncStream<JobRecord>.Continuation] {
        guard let forJob = watchers[job.id] else { return [] }
        let terminal = job.status.isTerminal
        let listeners = forJob.values.filter { terminal || !$0.endOnly }.map(\.continuation)
        if terminal { remove(job.id) } else { published[job.id] = job }
        return listeners
    }

    /// The watchers of every change of `id` (for progress, which is in memory only).
    func progressListeners(_ id: String) -> [AsyncStream<JobRecord>.Continuation] {
        (watchers[id] ?? [:]).values.filter { !$0.endOnly }.map(\.continuation)
    }

    func hasProgressListeners(_ id: String) -> Bool { watchers[id]?.values.contains { !$0.endOnly } == true }

    /// A watcher's deadline passed: it goes. An end-only watcher gets the last published state
    /// (nil when it is already gone: its terminal state is on its way).
    mutating func deadline(_ id: String, _ key: Int) -> JobRecord? {
        guard let watcher = watchers[id]?[key] else { return nil }
        let last = published[id]
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
        published[id] = nil
    }
}
