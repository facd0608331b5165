import NIOConcurrencyHelpers
import Outpost

/// The deadlines of the orchestrator's watchers (`?wait=`, SSE), served by one background loop
/// instead of a task per watcher.
///
/// A watcher is added with its stream and its deadline (none for SSE); the loop, started with
/// `state.waitUntil` when the first watcher arrives and ending when the last one goes, keeps the
/// object in memory while anyone watches. At a watcher's deadline it asks the orchestrator for the
/// state to answer with (``expire``), yields it and ends the stream. When the runtime shuts down
/// the loop is cancelled and ends every stream still open, so no watcher holds the front open.
/// A watcher whose stream ended first (the job ended, the client left) is removed at once.
final class WatchDeadlines: Sendable {
    /// How long the loop sleeps at most between looks: a deadline added earlier than the one it
    /// sleeps towards is seen within this.
    static let tick = Duration.milliseconds(100)

    struct Entry: Sendable {
        let id: String
        let deadline: ContinuousClock.Instant?
        let continuation: AsyncStream<JobRecord>.Continuation
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var looping = false
    }
    private let state = NIOLockedValueBox(State())

    /// The state to answer a watcher with at its deadline (nil: its terminal state is on its way).
    typealias Expire = @Sendable (_ id: String, _ key: Int) async -> JobRecord?

    init() {}

    /// Adds watcher `key` of job `id`; returns the loop to start in the background when none runs.
    func add(_ key: Int, id: String, deadline: Duration?, continuation: AsyncStream<JobRecord>.Continuation,
             expire: @escaping Expire) -> (@Sendable () async -> Void)? {
        let start = state.withLockedValue { s -> Bool in
            s.entries[key] = Entry(id: id, deadline: deadline.map { .now + $0 }, continuation: continuation)
            guard !s.looping else { return false }
            s.looping = true
            return true
        }
        guard start else { return nil }
        return { [self] in await loop(expire) }
    }

    /// The watcher's stream ended before its deadline.
    func remove(_ key: Int) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: key) }
    }

    /// Watchers waiting now.
    var count: Int { state.withLockedValue { $0.entries.count } }

    private func loop(_ expire: Expire) async {
        while true {
            let now = ContinuousClock.now
            let (due, next, stop): ([(Int, Entry)], ContinuousClock.Instant?, Bool) = state.withLockedValue { s in
                if s.entries.isEmpty {
                    s.looping = false
                    return ([], nil, true)
                }
                var due: [(Int, Entry)] = []
                var next: ContinuousClock.Instant?
                for (key, entry) in s.entries {
                    guard let at = entry.deadline else { continue }
                    if at <= now { due.append((key, entry)) } else { next = min(next ?? at, at) }
                }
                for (key, _) in due { s.entries[key] = nil }
                return (due, next, false)
            }
            if stop { return }
            for (key, entry) in due {
                if let last = await expire(entry.id, key) { entry.continuation.yield(last) }
                entry.continuation.finish()
            }
            guard due.isEmpty else { continue }
            let wake = min(next ?? now + Self.tick, now + Self.tick)
            try? await Task.sleep(until: wake, clock: .continuous)
            if Task.isCancelled {
                // Shutdown: every stream still open ends now.
                let all = state.withLockedValue { s in
                    defer { s.entries = [:]; s.looping = false }
                    return Array(s.entries.values)
                }
                for entry in all { entry.continuation.finish() }
                return
            }
        }
    }
}
