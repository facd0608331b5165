import NIOConcurrencyHelpers

/// Group commit for one `SQLiteDatabase`: concurrent `write`s share one transaction and one fsync.
///
/// A writer joins the queue. If no round is running it leads one: on a storage thread, holding the
/// writer connection, it takes every queued write and runs them in one `BEGIN IMMEDIATE`
/// transaction, each inside its own `SAVEPOINT` (a write that throws rolls back only its own
/// changes and gets its own error), then commits once. Only after that commit returns, so the
/// changes are durable, is any member told it succeeded; if the commit fails, every member that
/// had succeeded gets the commit's error. Writers that joined while a round ran wait; when the
/// round ends the first of them leads the next round, which takes all of them. So while one
/// fsync is in flight the next round fills up, and N concurrent writers pay about one fsync per
/// round instead of N.
///
/// A round whose members all asked for `durable: false` commits with `synchronous = NORMAL`
/// (no fsync; survives a process crash, not power loss), as the queue consumer's bookkeeping does;
/// one durable member makes the whole round commit at the database's own level.
final class WriteBatcher: Sendable {
    /// One queued write.
    /// @unchecked: `outcome` and `continuation` are written by the round that runs it (under the
    /// batcher's lock or on the round's thread) and read by its writer only after it is resumed.
    final class Member: @unchecked Sendable {
        let durable: Bool
        let body: (SQLiteConnection) throws -> Void
        /// Set for a member that waits; nil for the leader, which runs the round itself.
        var continuation: CheckedContinuation<Turn, Never>?
        /// nil until its round ran; then success or the error it (or the commit) threw.
        var outcome: Result<Void, any Error>?

        init(durable: Bool, body: @escaping (SQLiteConnection) throws -> Void) {
            self.durable = durable
            self.body = body
        }
    }

    /// What a joining or waiting writer is told.
    enum Turn: Sendable {
        /// Run the next round (call `runRound` on a storage thread, then read `outcome`).
        case lead
        /// A round ran this member: its `outcome` is set.
        case done
    }

    private struct State {
        var queue: [Member] = []
        var roundRunning = false
    }

    private let state = NIOLockedValueBox(State())
    /// The level the database's connections were opened with (restored after a non-durable round).
    private let synchronous: SQLiteConnection.Synchronous

    init(synchronous: SQLiteConnection.Synchronous) {
        self.synchronous = synchronous
    }

    /// Writes waiting for a round (tests wait for this to know a round will gather them).
    var queuedCount: Int { state.withLockedValue { $0.queue.count } }

    /// Queues `member`; returns `.lead` at once when no round is running, else waits until a
    /// round ran it (`.done`) or it is asked to lead the next one (`.lead`).
    func join(_ member: Member) async -> Turn {
        await withCheckedContinuation { continuation in
            let lead = state.withLockedValue { state -> Bool in
                state.queue.append(member)
                if state.roundRunning {
                    member.continuation = continuation
                    return false
                }
                state.roundRunning = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
    }

    /// Runs every queued write in one transaction on `db` (the writer connection, held by the
    /// caller), commits, then resumes the members that wait and hands the next round to the
    /// first writer that queued meanwhile. `observe` is told each member's time, commit included.
    func runRound(on db: SQLiteConnection, observe: ((Duration) -> Void)?) {
        let start = ContinuousClock.now
        let members = state.withLockedValue { state -> [Member] in
            defer { state.queue = [] }
            return state.queue
        }
        commit(members, on: db)
        if let observe {
            let elapsed = ContinuousClock.now - start
            for _ in members { observe(elapsed) }
        }
        finish(members)
    }

    /// The leader could not run its round (the storage threads are shut down): every queued
    /// write fails with `error`.
    func abandon(_ error: any Error) {
        let members = state.withLockedValue { state -> [Member] in
            defer { state.queue = [] }
            return state.queue
        }
        for member in members { member.outcome = .failure(error) }
        finish(members)
    }

    /// Resumes `members` (already run), then the next round's leader, if anyone queued meanwhile.
    private func finish(_ members: [Member]) {
        for member in members {
            if let continuation = member.continuation {
                member.continuation = nil
                continuation.resume(returning: .done)
            }
        }
        let next = state.withLockedValue { state -> CheckedContinuation<Turn, Never>? in
            guard let first = state.queue.first else {
                state.roundRunning = false
                return nil
            }
            defer { first.continuation = nil }
            return first.continuation
        }
        next?.resume(returning: .lead)
    }

    /// The round's transaction. Sets every member's `outcome`; a success only once the commit returned.
    private func commit(_ members: [Member], on db: SQLiteConnection) {
        let relaxed = synchronous == .full && !members.contains(where: \.durable)
        if relaxed { try? db.execute("PRAGMA synchronous = NORMAL") }
        defer { if relaxed { try? db.execute("PRAGMA synchronous = \(synchronous.rawValue)") } }

        // Members whose changes are in the open transaction, awaiting the commit.
        var pending: [Member] = []
        func failPending(_ error: any Error) {
            for member in pending { member.outcome = .failure(error) }
            pending = []
        }
        var open = false
        // Set when BEGIN fails (another process held the lock past the busy timeout): the rest
        // of the round fails with it rather than waiting that long once per member.
        var refused: (any Error)?
        for member in members {
            if let refused {
                member.outcome = .failure(refused)
                continue
            }
            if !open {
                do {
                    try db.execute("BEGIN IMMEDIATE")
                    open = true
                } catch {
                    member.outcome = .failure(error)
                    refused = error
                    continue
                }
            }
            do {
                try db.execute("SAVEPOINT outpost_write")
            } catch {
                member.outcome = .failure(error)
                if !db.isInTransaction { failPending(error); open = false }
                continue
            }
            do {
                try member.body(db)
                try db.execute("RELEASE outpost_write")
                pending.append(member)
            } catch {
                member.outcome = .failure(error)
                if db.isInTransaction {
                    do {
                        try db.execute("ROLLBACK TO outpost_write")
                        try db.execute("RELEASE outpost_write")
                    } catch {
                        // The savepoint could not be undone: nothing in this transaction can be trusted.
                        try? db.execute("ROLLBACK")
                        failPending(error)
                        open = false
                    }
                } else {
                    // SQLite rolled the whole transaction back (an I/O error, a full disk): the
                    // earlier members' changes went with it.
                    failPending(error)
                    open = false
                }
            }
        }
        guard open else { return }
        do {
            try db.execute("COMMIT")
            for member in pending { member.outcome = .success(()) }
        } catch {
            if db.isInTransaction { try? db.execute("ROLLBACK") }
            failPending(error)
        }
    }
}
