import CSQLite
import Dispatch
import Foundation
@testable import Outpost
import OutpostTesting
import Testing

/// Group commit in `SQLiteDatabase.write`, on real SQLite files, checked with the `sqlite3` CLI
/// and SQLite's own commit hook.
@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    struct Planned: Error, Equatable { let index: Int }

    /// Rows of `sql` as the `sqlite3` command-line shell reads them from the file at `path`.
    static func sqlite3(_ path: String, _ sql: String) async throws -> [String] {
        let r = try await ChildProcess.run("/usr/bin/sqlite3", ["-readonly", path, sql])
        #expect(r.status == 0, "sqlite3: \(String(decoding: r.stderr, as: UTF8.self))")
        return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("many concurrent KV puts: every one is acknowledged, readable after, and in the file")
    func concurrentKVPuts() async throws {
        let count = 400
        try await withKV { t, kv in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<count {
                    group.addTask { try await kv.put("key-\(i)", "value-\(i)") }
                }
                try await group.waitForAll()
            }
            for i in 0..<count {
                #expect(try await kv.get("key-\(i)") == "value-\(i)")
            }
            let rows = try await Self.sqlite3(t.stateDirectory + "/kv.sqlite", "SELECT key || '=' || CAST(value AS TEXT) FROM kv ORDER BY key")
            #expect(Set(rows) == Set((0..<count).map { "key-\($0)=value-\($0)" }))
            #expect(rows.count == count)
        }
    }

    /// A database with table `t` and SQLite's commit hook counting its writer's commits.
    final class CountedDatabase: @unchecked Sendable {
        let directory: TemporaryDirectory
        let database: SQLiteDatabase
        let commits = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        var path: String { database.path }

        init(foreignKeys: Bool = false) throws {
            directory = try TemporaryDirectory()
            commits.initialize(to: 0)
            let counter = commits
            database = try SQLiteDatabase(path: directory.file("group.sqlite")) { db in
                try db.execute("""
                    CREATE TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TABLE t (name TEXT PRIMARY KEY,
                                    parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                    INSERT INTO parent (id) VALUES (1);
                    """)
                if foreignKeys { try db.execute("PRAGMA foreign_keys = ON") }
                sqlite3_commit_hook(db.handle, { context in
                    context!.assumingMemoryBound(to: Int.self).pointee += 1
                    return 0
                }, counter)
            }
        }

        /// Commits so far (read on the writer connection, under its lock).
        func commitCount() throws -> Int { try database.writeSync { _ in commits.pointee } }

        deinit {
            commits.deallocate()
            directory.remove()
        }
    }

    /// Starts a write that holds the writer until `release` is signalled, and returns once it runs:
    /// writes started after this queue up for the next round.
    static func holdWriter(_ db: SQLiteDatabase, release: DispatchSemaphore) async -> Task<Void, any Error> {
        let (entered, signal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await db.write { db in
                try db.run("INSERT INTO t (name) VALUES ('holder')")
                signal.yield()
                release.wait()
            }
        }
        for await _ in entered { break }
        return holder
    }

    /// Waits until `count` writes are queued behind the running round.
    static func waitQueued(_ db: SQLiteDatabase, _ count: Int) async throws {
        while db.queuedWrites < count { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test("writes that queue while a round commits share the next round: one commit for all of them")
    func queuedWritesShareOneCommit() async throws {
        let c = try CountedDatabase()
        let before = try c.commitCount()
        let release = DispatchSemaphore(value: 0)
        let holder = await Self.holdWriter(c.database, release: release)
        let writers = (0..<20).map { i in
            Task { try await c.database.write { db in try db.run("INSERT INTO t (name) VALUES (?)", [.text("w\(i)")]) } }
        }
        try await Self.waitQueued(c.database, 20)
        release.signal()
        try await holder.value
        for w in writers { try await w.value }
        // The holder's round and one round for the 20 that queued behind it.
        #expect(try c.commitCount() - before == 2)
        let rows = try await Self.sqlite3(c.path, "SELECT count(*) FROM t")
        #expect(rows == ["21"])
    }

    @Test("a write that throws in a round undoes only its own changes and gets its own error")
    func throwingMemberRollsBackAlone() async throws {
        let c = try CountedDatabase()
        let release = DispatchSemaphore(value: 0)
        let holder = await Self.holdWriter(c.database, release: release)
        let writers = (0..<6).map { i in
            Task { () async throws -> Int in
                try await c.database.write { db in
                    try db.run("INSERT INTO t (name) VALUES (?)", [.text("w\(i)")])
                    if i == 2 { throw Planned(index: i) }
                    if i == 4 {
                        // A nested transaction inside the round's savepoint: its inner failure undoes only the inner row.
                        try db.transaction {
                            try db.run("INSERT INTO t (name) VALUES ('w4-kept')")
                            _ = try? db.transaction { () throws -> Void in
                                try db.run("INSERT INTO t (name) VALUES ('w4-undone')")
                                throw Planned(index: 40)
                            }
                        }
                    }
                    return i
                }
            }
        }
        try await Self.waitQueued(c.database, 6)
        release.signal()
        try await holder.value
        for (i, w) in writers.enumerated() {
            if i == 2 {
                await #expect(throws: Planned(index: 2)) { try await w.value }
            } else {
                #expect(try await w.value == i)
            }
        }
        let rows = try await Self.sqlite3(c.path, "SELECT name FROM t ORDER BY name")
        #expect(rows == ["holder", "w0", "w1", "w3", "w4", "w4-kept", "w5"])
        // Nothing is left open: the next write commits on its own.
        try await c.database.write { db in try db.run("INSERT INTO t (name) VALUES ('after')") }
        #expect(try await Self.sqlite3(c.path, "SELECT count(*) FROM t WHERE name = 'after'") == ["1"])
    }

    @Test("a commit that fails fails every write in its round, and none of their changes are stored")
    func failingCommitFailsEveryMember() async throws {
        // A deferred foreign key is checked at COMMIT: one member's bad row makes SQLite refuse the commit.
        let c = try CountedDatabase(foreignKeys: true)
        let release = DispatchSemaphore(value: 0)
        let holder = await Self.holdWriter(c.database, release: release)
        let writers = (0..<5).map { i in
            Task {
                try await c.database.write { db in
                    try db.run("INSERT INTO t (name, parent) VALUES (?, ?)", [.text("w\(i)"), .integer(i == 3 ? 99 : 1)])
                }
            }
        }
        try await Self.waitQueued(c.database, 5)
        release.signal()
        try await holder.value
        for w in writers {
            do {
                try await w.value
                Issue.record("a write in a round whose commit failed was acknowledged")
            } catch let error as SQLiteError {
                #expect(error.isConstraint, "\(error)")
            }
        }
        #expect(try await Self.sqlite3(c.path, "SELECT name FROM t ORDER BY name") == ["holder"])
        // The connection is usable again.
        try await c.database.write { db in try db.run("INSERT INTO t (name, parent) VALUES ('after', 1)") }
        #expect(try await Self.sqlite3(c.path, "SELECT name FROM t ORDER BY name") == ["after", "holder"])
    }
}
