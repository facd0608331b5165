public import Outpost

/// The platform's stored pitches, a Durable Object (binding `PITCH_INDEX`, one object named
/// `global`): each successful `analyze`/`analyze-pitch` job's text embedding with its owner, kept
/// in SQLite, and the nearest of them to a query vector.
///
/// The search is a brute-force cosine scan over the BLOBs, read in pages of ``pageSize`` rows and
/// keeping the best `limit` (≤ 50) — 10k pitches × 384 floats is 15 MB, a scan a single index
/// does not beat at this size.
public actor PitchIndex: DurableObject {
    public static let binding = "PITCH_INDEX"
    static let pageSize = 1000
    let state: DurableObjectState
    private var sql: SqlStorage { state.storage.sql }

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        try PitchIndexSchema.migrations.migrate(state.storage.sql)
    }

    /// The index's stub.
    public static func stub(_ env: Env) throws -> DurableObjectStub {
        try env.durableObject(binding).getByName(PlatformBindings.singletonName)
    }

    /// Stores `pitches` (a job already stored is kept as it is: a repeated report changes nothing).
    public func record(_ pitches: [StoredPitch]) throws {
        for pitch in pitches {
            _ = try sql.exec("INSERT OR IGNORE INTO pitches (job_id, owner, created_at, title, vector) VALUES (?, ?, ?, ?, ?)",
                             .text(pitch.jobId), .text(pitch.owner), .integer(pitch.createdAt), .text(pitch.title),
                             .blob(StoredPitch.blob(pitch.vector)))
        }
    }

    /// A page of `owner`'s pitches after row `after`, oldest first, with their row numbers.
    public func pitches(owner: String, after: Int64, limit: Int) throws -> [(seq: Int64, pitch: StoredPitch)] {
        try sql.exec("SELECT seq, job_id, created_at, title, vector FROM pitches WHERE owner = ? AND seq > ? ORDER BY seq LIMIT ?",
                     .text(owner), .integer(after), .integer(Int64(limit))).raw().map { row in
            (row[0].int64 ?? 0, StoredPitch(jobId: row[1].string ?? "", owner: owner, createdAt: row[2].int64 ?? 0,
                                            title: row[3].string ?? "", vector: StoredPitch.vector(row[4].bytes ?? [])))
        }
    }

    /// Erasure: removes every pitch of `owner`; returns how many there were.
    public func erase(owner: String) throws -> Int {
        try sql.exec("DELETE FROM pitches WHERE owner = ?", .text(owner)).rowsWritten
    }

    /// The pitch stored for job `jobId`.
    public func pitch(jobId: String) throws -> StoredPitch? {
        let rows = try sql.exec("SELECT job_id, owner, created_at, title, vector FROM pitches WHERE job_id = ?", .text(jobId)).raw()
        guard let row = rows.first else { return nil }
        return StoredPitch(jobId: row[0].string ?? "", owner: row[1].string ?? "", createdAt: row[2].int64 ?? 0,
                           title: row[3].string ?? "", vector: StoredPitch.vector(row[4].bytes ?? []))
    }

    /// How many pitches are stored (of `owner`, or all).
    public func count(owner: String?) throws -> Int {
        if let owner { return try sql.exec("SELECT COUNT(*) AS n FROM pitches WHERE owner = ?", .text(owner)).one()["n"]?.int ?? 0 }
        return try sql.exec("SELECT COUNT(*) AS n FROM pitches").one()["n"]?.int ?? 0
    }

    /// The `limit` stored pitches most similar to `query` by cosine, best first (ties: older
    /// first), of `owner` only when given, without the job `excluding`.
    public func nearest(to query: [Float], owner: String?, limit: Int, excluding: String? = nil) throws -> [PitchMatch] {
        let queryNorm = (query.reduce(Float(0)) { $0 + $1 * $1 }).squareRoot()
        guard queryNorm > 0, limit > 0 else { return [] }
        var best: [PitchMatch] = []
        var after: Int64 = 0
        while true {
            let page = owner.map { owner in
                (try? sql.exec("SELECT seq, job_id, owner, title, created_at, vector FROM pitches WHERE owner = ? AND seq > ? ORDER BY seq LIMIT ?",
                               .text(owner), .integer(after), .integer(Int64(Self.pageSize))).raw()) ?? []
            } ?? ((try? sql.exec("SELECT seq, job_id, owner, title, created_at, vector FROM pitches WHERE seq > ? ORDER BY seq LIMIT ?",
                                 .integer(after), .integer(Int64(Self.pageSize))).raw()) ?? [])
            for row in page {
                guard let id = row[1].string, id != excluding, let blob = row[5].bytes, blob.count == query.count * 4 else { continue }
                let score = Double(Self.cosine(query, norm: queryNorm, blob))
                if best.count == limit, let worst = best.last, score <= worst.score { continue }
                let match = PitchMatch(jobId: id, owner: row[2].string ?? "", title: row[3].string ?? "", createdAt: row[4].int64 ?? 0, score: score)
                let at = best.firstIndex { score > $0.score } ?? best.count
                best.insert(match, at: at)
                if best.count > limit { best.removeLast() }
            }
            guard page.count == Self.pageSize, let last = page.last?[0].int64 else { break }
            after = last
        }
        return best
    }

    /// The cosine of `query` (of norm `norm`) and the stored little-endian `Float32`s in `blob`.
    static func cosine(_ query: [Float], norm: Float, _ blob: [UInt8]) -> Float {
        blob.withUnsafeBytes { raw in
            var dot: Float = 0, squares: Float = 0
            for i in query.indices {
                let x = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                dot += query[i] * x
                squares += x * x
            }
            return squares > 0 ? dot / (norm * squares.squareRoot()) : 0
        }
    }
}
