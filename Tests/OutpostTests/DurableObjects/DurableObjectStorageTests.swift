import Foundation
import NIOConcurrencyHelpers
import Outpost
import OutpostTesting
import Testing

@Suite("Durable Object storage")
struct DurableObjectStorageTests {
    /// Runs `body` on the object `name` through RPC, with its storage.
    static func withStorage<T: Sendable>(_ t: TestRuntime, _ name: String = "s", _ body: @escaping @Sendable (DurableObjectStorage) throws -> T) async throws -> T {
        try await t.durableObject("COUNTER").getByName(name).call { (c: Counter) in try body(await c.storage()) }
    }

    @Test func durableSQLExecCursor() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                let created = try s.sql.exec("""
                    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, size REAL);
                    INSERT INTO items (name, size) VALUES (?, ?), (?, ?);
                    """, "a", 1.5, "b", 2.5)
                #expect(created.rowsWritten == 2)
                let cursor = try s.sql.exec("SELECT id, name, size FROM items WHERE size > ? ORDER BY id", 1.0)
                #expect(cursor.columnNames == ["id", "name", "size"])
                #expect(cursor.toArray() == [["id": 1, "name": "a", "size": 1.5], ["id": 2, "name": "b", "size": 2.5]])
                #expect(cursor.rowsRead >= 2)
                #expect(try s.sql.exec("SELECT name FROM items WHERE id = ?", 2).one() == ["name": "b"])
                #expect(throws: DurableObjectError.self) { try s.sql.exec("SELECT name FROM items").one() }
                #expect(throws: DurableObjectError.self) { try s.sql.exec("SELECT name FROM items WHERE id = 99").one() }
                let updated = try s.sql.exec("UPDATE items SET size = size + 1")
                #expect(updated.rowsWritten == 2)
            }
        }
    }

    @Test("a statement run again is kept prepared: same results with new bindings, new columns after ALTER, and no way around the _cf_ guard by swapping a table for a view")
    func durableSQLKeptStatements() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                try s.sql.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
                for i in 1...5 { try s.sql.exec("INSERT INTO items (name) VALUES (?)", .text("n\(i)")) }
                let select = "SELECT * FROM items WHERE id >= ? ORDER BY id"
                #expect(try s.sql.exec(select, 4).toArray() == [["id": 4, "name": "n4"], ["id": 5, "name": "n5"]])
                #expect(try s.sql.exec(select, 5).toArray() == [["id": 5, "name": "n5"]])
                // A failed run leaves the kept statement usable, and its bindings are not left behind.
                #expect(throws: DurableObjectError.self) { try s.sql.exec(select) }
                #expect(try s.sql.exec(select, 6).toArray().isEmpty)
                // A schema change: SQLite prepares the kept statement again.
                try s.sql.exec("ALTER TABLE items ADD COLUMN size INTEGER DEFAULT 7")
                #expect(try s.sql.exec(select, 5).toArray() == [["id": 5, "name": "n5", "size": 7]])
                // Reading the runtime's tables through a view is refused, also for a kept statement.
                let guarded = "SELECT * FROM shadow"
                try s.sql.exec("CREATE TABLE shadow (key BLOB, value BLOB)")
                #expect(try s.sql.exec(guarded).toArray().isEmpty)
                try s.sql.exec("DROP TABLE shadow")
                try s.sql.exec("CREATE VIEW shadow AS SELECT * FROM _cf_KV")
                #expect(throws: DurableObjectError.self) { try s.sql.exec(guarded) }
                // Full scans are counted per run, not summed over the runs of a kept statement.
                let scan = "SELECT count(*) AS n FROM items WHERE name LIKE 'n%'"
                let first = try s.sql.exec(scan).rowsRead
                #expect(try s.sql.exec(scan).rowsRead == first)
            }
        }
    }

    @Test("afterDurable runs once the event's writes are synced: not inside the event, by the time the call returns, and at once when nothing is pending")
    func afterDurableWaitsForTheEventsCommit() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let ran = NIOLockedValueBox<[String]>([])
            let seenInEvent = try await Self.withStorage(t) { s in
                try s.put("k", "v")
                s.afterDurable { ran.withLockedValue { $0.append("write") } }
                return ran.withLockedValue { $0 }
            }
            #expect(seenInEvent.isEmpty)
            #expect(ran.withLockedValue { $0 } == ["write"])
            try await Self.withStorage(t) { s in
                _ = try s.get("k", as: String.self)
                s.afterDurable { ran.withLockedValue { $0.append("read") } }
            }
            #expect(ran.withLockedValue { $0 } == ["write", "read"])
        }
    }

    @Test func durableSQLRefusesTransactionsAndOversizeInput() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                for statement in ["BEGIN", "BEGIN TRANSACTION", "COMMIT", "SAVEPOINT x", "ROLLBACK"] {
                    #expect {
                        try s.sql.exec(statement)
                    } throws: { error in
                        (error as? DurableObjectError)?.kind == .transactionStatement
                            && (error as? DurableObjectError)?.message.contains("transactionSync") == true
                    }
                }
                #expect(throws: DurableObjectError.self) { try s.sql.exec("SELECT * FROM _cf_KV") }
                #expect(throws: DurableObjectError.self) { try s.sql.exec("PRAGMA synchronous = OFF") }
                let long = "SELECT 1" + String(repeating: " ", count: 100_001)
                #expect {
                    try s.sql.exec(long)
                } throws: { error in (error as? DurableObjectError)?.kind == .storageLimit }
                let many = (0..<101).map { SQLiteValue.integer(Int64($0)) }
                let placeholders = Array(repeating: "?", count: 101).joined(separator: ",")
                #expect {
                    try s.sql.exec("SELECT \(placeholders)", bindings: many)
                } throws: { error in (error as? DurableObjectError)?.kind == .storageLimit }
                #expect(throws: DurableObjectError.self) { try s.sql.exec("SELEC nonsense") }
                try s.sql.exec("CREATE TABLE big (b BLOB)")
                #expect {
                    try s.sql.exec("INSERT INTO big VALUES (?)", .blob([UInt8](repeating: 1, count: 2 * 1024 * 1024 + 100)))
                } throws: { error in (error as? DurableObjectError)?.kind == .storageLimit }
                // Still usable.
                #expect(try s.sql.exec("SELECT 1 AS one").one() == ["one": 1])
            }
            #expect(try await t.dispatchFetch("/s/increment").text() == "1")
        }
    }

    @Test func durableKVOversizeValueIsRefused() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                let big = [UInt8](repeating: 7, count: DurableObjectLimits.maxKeyValueBytes)
                #expect {
                    try s.put("k", bytes: big)
                } throws: { error in
                    (error as? DurableObjectError)?.kind == .storageLimit && (error as? DurableObjectError)?.message.contains("2097153") == true
                }
                try s.put("k", bytes: [UInt8](repeating: 7, count: DurableObjectLimits.maxKeyValueBytes - 1))
                #expect(try s.getBytes("k")?.count == DurableObjectLimits.maxKeyValueBytes - 1)
                let tooMany = Dictionary(uniqueKeysWithValues: (0..<129).map { ("k\($0)", $0) })
                #expect(throws: DurableObjectError.self) { try s.put(tooMany) }
                #expect(throws: DurableObjectError.self) { try s.delete(Array(tooMany.keys)) }
            }
            #expect(try await t.dispatchFetch("/s/increment").text() == "1")
        }
    }

    @Test func durableKVListInByteOrder() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                let keys = ["b", "a", "c", "ab", "é", "B", "a\u{7f}", "aa"]
                try s.put(Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) }))
                let all = try s.list(as: String.self).map(\.key)
                #expect(all == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
                #expect(all == ["B", "a", "aa", "ab", "a\u{7f}", "b", "c", "é"])
                #expect(try s.list(.init(prefix: "a"), as: String.self).map(\.key) == ["a", "aa", "ab", "a\u{7f}"])
                #expect(try s.list(.init(start: "aa", end: "b"), as: String.self).map(\.key) == ["aa", "ab", "a\u{7f}"])
                #expect(try s.list(.init(startAfter: "aa", end: "b"), as: String.self).map(\.key) == ["ab", "a\u{7f}"])
                #expect(try s.list(.init(reverse: true, limit: 2), as: String.self).map(\.key) == ["é", "c"])
                #expect(try s.list(.init(prefix: "a", limit: 2), as: String.self).map(\.value) == ["a", "aa"])
                #expect(try s.get(["a", "zz", "b"], as: String.self) == ["a": "a", "b": "b"])
                #expect(try s.delete("a") == true)
                #expect(try s.delete("a") == false)
                #expect(try s.delete(["b", "c", "nope"]) == 2)
                #expect(try s.get("a", as: String.self) == nil)
            }
        }
    }

    @Test func durableTransactionSyncRollsBackOnThrow() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            try await Self.withStorage(t) { s in
                try s.sql.exec("CREATE TABLE log (v TEXT)")
                try s.put("x", 1)
                #expect(throws: CounterFailure.self) {
                    try s.transactionSync {
                        try s.put("x", 2)
                        try s.sql.exec("INSERT INTO log VALUES ('inside')")
                        throw CounterFailure(message: "rollback")
                    }
                }
                #expect(try s.get("x", as: Int.self) == 1)
                #expect(try s.sql.exec("SELECT count(*) AS n FROM log").one() == ["n": 0])
                let v = try s.transactionSync {
                    try s.put("x", 3)
                    return 42
                }
                #expect(v == 42)
                #expect(try s.get("x", as: Int.self) == 3)
            }
        }
    }

    @Test func durableDeleteAllWipesSQLKVAndAlarm() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            let stillThere = try await Self.withStorage(t) { s -> Bool in
                try s.sql.exec("CREATE TABLE t (v); INSERT INTO t VALUES (1)")
                try s.put("k", "v")
                try s.setAlarm(afterSeconds: 3600)
                #expect(try s.getAlarm() != nil)
                try s.deleteAll()
                let tables = try s.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 't'").rows
                let value = try s.get("k", as: String.self)
                let alarm = try s.getAlarm()
                return !tables.isEmpty || value != nil || alarm != nil
            }
            #expect(!stillThere)
            let list = try DurableObjectInspector(stateDirectory: t.stateDirectory).list(className: "Counter")
            #expect(list.first?.alarm == nil)
        }
    }

    @Test func durableWritesAreInTheFileWhenTheResponseArrives() async throws {
        try await TestRuntime.with(config: DOFixtures.config, script: DOFixtures.script) { t in
            #expect(try await t.dispatchFetch("/f/increment").text() == "1")
            let inspector = try DurableObjectInspector(stateDirectory: t.stateDirectory)
            let id = try inspector.id(className: "Counter", name: "f")
            let rows = try inspector.query(className: "Counter", id: id, sql: "PRAGMA integrity_check")
            #expect(rows.rows == [[.text("ok")]])
            let objects = try inspector.list(className: "Counter")
            #expect(objects.map(\.name) == ["f"])
            #expect(objects.first?.id == id)
            #expect((objects.first?.size ?? 0) > 0)
        }
    }
}
