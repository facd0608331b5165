import Foundation
import Outpost
import Synchronization

/// `POST /queues/send?count=N` sends N messages `{"n": i}` to binding `QUEUE` in batches of 100.
/// The `queue` handler records every delivered id in the SQLite file named by var `DELIVERED_DB`
/// (table `delivered`: id, n, deliveries), after sleeping `CONSUME_DELAY_MS` per batch.
enum QueueRoutes {
    static func handle(_ request: Request, env: Env) async throws -> Response {
        guard request.method == .post, request.path == "/queues/send" else {
            return .jsonError(status: 404, code: "not_found", message: "No route for \(request.path)")
        }
        let queue = try env.queue("QUEUE")
        let count = request.searchParams["count"].flatMap { Int($0) } ?? 1
        let start = request.searchParams["start"].flatMap { Int($0) } ?? 0
        var n = start
        while n < start + count {
            let end = min(n + 100, start + count)
            try await queue.sendBatch((n..<end).map { MessageSendRequest(body: ["n": .number(Double($0))] as JSONValue) })
            n = end
        }
        return .json(["sent": .number(Double(count))] as JSONValue)
    }

    static func consume(_ batch: MessageBatch, env: Env) async throws {
        if let delay = env["CONSUME_DELAY_MS"].flatMap({ Int($0) }), delay > 0 {
            try await Task.sleep(for: .milliseconds(delay))
        }
        guard let path = env["DELIVERED_DB"] else { return }
        let db = try database(at: path)
        let rows = batch.messages.map { ($0.id, $0.body.json?["n"]?.intValue ?? -1) }
        try await db.write { db in
            try db.transaction {
                for (id, n) in rows {
                    try db.run(
                        "INSERT INTO delivered (id, n, deliveries) VALUES (?, ?, 1) ON CONFLICT (id) DO UPDATE SET deliveries = deliveries + 1",
                        [.text(id), .integer(Int64(n))]
                    )
                }
            }
        }
        batch.ackAll()
    }

    private static let databases = Mutex<[String: SQLiteDatabase]>([:])

    private static func database(at path: String) throws -> SQLiteDatabase {
        try databases.withLock { open in
            if let db = open[path] { return db }
            // NORMAL: a commit survives the process being killed, which is what the crash test does.
            let db = try SQLiteDatabase(path: path, synchronous: .normal) { db in
                try db.execute("CREATE TABLE IF NOT EXISTS delivered (id TEXT PRIMARY KEY, n INTEGER NOT NULL, deliveries INTEGER NOT NULL)")
            }
            open[path] = db
            return db
        }
    }
}
