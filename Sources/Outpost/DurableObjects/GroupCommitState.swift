/// The output gate's group commit, as a plain value: which commits are written, which are
/// durable, who syncs next and who waits.
///
/// A commit writes its frames to the WAL without fsync (`synchronous = NORMAL`) and bumps
/// `committed`. A response that must wait for commit `n` either returns at once
/// (`durable >= n`), leads a sync round (nobody is syncing), or waits. A round makes every
/// commit written before it started durable with one fsync; waiters it covers are released,
/// and the first remaining waiter leads the next round. So the writes of events processed
/// while a sync is in flight are made durable together.
struct GroupCommitState<Waiter> {
    /// Number of commits written to the WAL.
    private(set) var committed: UInt64 = 0
    /// Commits known to be on disk.
    private(set) var durable: UInt64 = 0
    private(set) var syncing = false
    private var waiters: [(seq: UInt64, waiter: Waiter)] = []

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
