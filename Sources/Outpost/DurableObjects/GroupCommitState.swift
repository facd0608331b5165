/// The output gate's group commit, as a plain value: which commits are written, which are
/// durable, who syncs next and who waits.
///
/// A commit writes its frames to the WAL without fsync (`synchronous = NORMAL`) and bumps
/// `committed`. A response that must wait for commit `n` either returns at once
/// (`durable >= n`), leads a sync round (nobody is syncing), or waits. A round makes every
/// commit written before it started durable with one fsync; waiters it covers are released,
/// and the first remaining waiter leads the next round. So the writes of events processed
/// while a sync is in flight are made durable together.
///
/// Actions waiting for a commit (`storage.afterDurable`) are handed out by the round that makes
/// it durable, in the order they were attached.
struct GroupCommitState<Waiter> {
    typealias Action = @Sendable () -> Void
    /// Number of commits written to the WAL.
    private(set) var committed: UInt64 = 0
    /// Commits known to be on disk.
    private(set) var durable: UInt64 = 0
    private(set) var syncing = false
    private var waiters: [(seq: UInt64, waiter: Waiter)] = []
    private var actions: [(seq: UInt64, action: Action)] = []

    enum WaitAction: Equatable {
        /// Already durable.
        case ready
        /// Run a sync round now (call `startRound`).
        case lead
        /// Queued: resumed by a later round, either released or asked to lead.
        case wait
    }

    /// A commit was written; returns its sequence number.
    mutating func didCommit() -> UInt64 {
        committed += 1
        return committed
    }

    mutating func wait(for seq: UInt64, _ waiter: @autoclosure () -> Waiter) -> WaitAction {
        if durable >= seq { return .ready }
        if !syncing {
            syncing = true
            return .lead
        }
        waiters.append((seq, waiter()))
        return .wait
    }

    /// Attaches `action` to commit `seq`; returns it when that commit is already durable (run it now).
    mutating func attach(_ action: @escaping Action, to seq: UInt64) -> Action? {
        if durable >= seq { return action }
        actions.append((seq, action))
        return nil
    }

    /// The actions whose commits are durable now, in order (after `finishRound`).
    mutating func takeDurableActions() -> [Action] {
        guard let first = actions.first, first.seq <= durable else { return [] }
        let ready = actions.prefix { $0.seq <= durable }.map(\.action)
        actions.removeFirst(ready.count)
        return ready
    }

    /// The commit a round starting now covers.
    func startRound() -> UInt64 { committed }

    /// A round covering `target` finished: waiters to release, and the waiter to lead the next round.
    mutating func finishRound(_ target: UInt64) -> (release: [Waiter], nextLeader: Waiter?) {
        durable = max(durable, target)
        var release: [Waiter] = []
        var remaining: [(seq: UInt64, waiter: Waiter)] = []
        for w in waiters {
            if w.seq <= durable { release.append(w.waiter) } else { remaining.append(w) }
        }
        if remaining.isEmpty {
            waiters = []
            syncing = false
            return (release, nil)
        }
        let leader = remaining.removeFirst()
        waiters = remaining
        return (release, leader.waiter)
    }

    /// A round failed: every waiter fails; the next wait leads a new round.
    mutating func failRound() -> [Waiter] {
        let all = waiters.map(\.waiter)
        waiters = []
        syncing = false
        return all
    }
}
