import Foundation
import NIOConcurrencyHelpers
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One R2 bucket on disk: `<state>/r2/<bucket_name>/metadata.sqlite` holds keys and metadata,
/// `blobs/` holds bodies in files named by random ids (never by keys, so no key can name a path).
///
/// A write lands in a temporary file that is fsynced and renamed into place before the metadata
/// row commits, so a crash leaves the old object or the new one, never a torn one. Files no row
/// refers to (a crash between rename and commit, or after commit but before an old blob was
/// unlinked) are removed when a process opens the bucket while no other process has it open
/// (an `flock` on `lock` tells). Metadata is never cached: other processes' writes show at once.
public final class R2Store: Sendable {
    /// `[[r2_buckets]] bucket_name`: the directory under `<state>/r2/`.
    public let bucketName: String
    /// `<state>/r2/<bucket_name>`.
    public let directory: String
    let blobsDirectory: String
    let database: SQLiteDatabase
    let clock: RuntimeClock
    let metrics: Metrics
    private let handles: NIOLockedValueBox<Handles>
    private let usage = NIOLockedValueBox(BlobUsage())

    private struct Handles: Sendable {
        var lockFD: Int32
        var directoryFD: Int32
    }

    /// Blobs being read in this process, and those to unlink once their last reader is done.
    private struct BlobUsage: Sendable {
        var readers: [String: Int] = [:]
        var doomed: Set<String> = []
    }

    static let objectColumns = """
        key, version, size, etag, uploaded, content_type, content_language, content_disposition, content_encoding, \
        cache_control, cache_expiry, custom_metadata, md5, sha1, sha256, sha384, sha512
        """

    public init(stateDirectory: String, bucketName: String, clock: RuntimeClock, metrics: Metrics = Metrics()) throws {
        guard R2Store.isValidBucketName(bucketName) else { throw R2Error.invalidBucketName(bucketName) }
        self.bucketName = bucketName
        self.clock = clock
        self.metrics = metrics
        self.directory = stateDirectory + "/r2/" + bucketName
        self.blobsDirectory = directory + "/blobs"
        try FileManager.default.createDirectory(atPath: blobsDirectory, withIntermediateDirectories: true)
        self.database = try SQLiteDatabase(path: directory + "/metadata.sqlite", onWrite: metrics.storageWriteObserver("r2")) { db in
            try db.execute("""
                CREATE TABLE IF NOT EXISTS objects (
                    key BLOB PRIMARY KEY,
                    version TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    uploaded INTEGER NOT NULL,
                    content_type TEXT, content_language TEXT, content_disposition TEXT,
                    content_encoding TEXT, cache_control TEXT, cache_expiry INTEGER,
                    custom_metadata TEXT,
                    md5 TEXT, sha1 TEXT, sha256 TEXT, sha384 TEXT, sha512 TEXT
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS segments (
                    key BLOB NOT NULL,
                    seq INTEGER NOT NULL,
                    blob_id TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY (key, seq)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS uploads (
                    upload_id TEXT PRIMARY KEY,
                    key BLOB NOT NULL,
                    state INTEGER NOT NULL DEFAULT 0,
                    created INTEGER NOT NULL,
                    http_metadata TEXT,
                    custom_metadata TEXT
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS parts (
                    upload_id TEXT NOT NULL,
                    part_number INTEGER NOT NULL,
                    blob_id TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    PRIMARY KEY (upload_id, part_number)
                ) WITHOUT ROWID;
                """)
        }
        let lockFD = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let directoryFD = open(blobsDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lockFD >= 0, directoryFD >= 0 else {
            let error = R2FileError.posix("open \(directory)")
            if lockFD >= 0 { R2FileIO.close(lockFD) }
            if directoryFD >= 0 { R2FileIO.close(directoryFD) }
            throw error
        }
        self.handles = NIOLockedValueBox(Handles(lockFD: lockFD, directoryFD: directoryFD))
        if flock(lockFD, LOCK_EX | LOCK_NB) == 0 {
            defer { flock(lockFD, LOCK_SH) }
            try removeOrphans()
        } else {
            flock(lockFD, LOCK_SH)
        }
    }

    /// Releases the bucket's lock and directory handle. Call once nothing uses the store.
    public func close() {
        handles.withLockedValue { h in
            if h.lockFD >= 0 { R2FileIO.close(h.lockFD) }
            if h.directoryFD >= 0 { R2FileIO.close(h.directoryFD) }
            h.lockFD = -1
            h.directoryFD = -1
        }
    }

    deinit { close() }

    var directoryFD: Int32 { handles.withLockedValue { $0.directoryFD } }

    static func isValidBucketName(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count), !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
    }

    func blobPath(_ id: String) -> String { blobsDirectory + "/" + id }

    func makeWriter(operation: String, extraDigests: Set<R2DigestAlgorithm> = []) -> R2BlobWriter {
        R2BlobWriter(blobsDirectory: blobsDirectory, operation: operation, extraDigests: extraDigests)
    }

    // MARK: orphans

    /// Incomplete multipart uploads are aborted this long after they were created, as R2's
    /// default lifecycle rule does.
    static let uploadExpirySeconds: Int64 = 7 * 24 * 3600

    /// Aborts expired uploads, then deletes temporary files and blobs no object or pending part
    /// refers to. Returns how many files it removed.
    @discardableResult
    func removeOrphans() throws -> Int {
        let cutoff = clock.nowMilliseconds() - Self.uploadExpirySeconds * 1000
        try database.writeSync { db in
            try db.transaction {
                try db.run("DELETE FROM parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE state = 0 AND created < ?)", [.integer(cutoff)])
                try db.run("UPDATE uploads SET state = ? WHERE state = 0 AND created < ?", [.integer(UploadState.aborted.rawValue), .integer(cutoff)])
            }
        }
        let referenced: Set<String> = try database.read { db in
            Set(try db.query("SELECT blob_id FROM segments UNION SELECT blob_id FROM parts").compactMap { $0.first?.string })
        }
        var removed = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: blobsDirectory) where name.hasSuffix(".tmp") || !referenced.contains(name) {
            if unlink(blobPath(name)) == 0 { removed += 1 }
        }
        return removed
    }

    // MARK: blob lifetimes

    /// Marks blobs as being read; `release` undoes it.
    private func acquire(_ ids: [String]) {
        usage.withLockedValue { u in
            for id in ids { u.readers[id, default: 0] += 1 }
        }
    }

    func release(_ ids: [String]) {
        let unlinkNow: [String] = usage.withLockedValue { u in
            var out: [String] = []
            for id in ids {
                let n = (u.readers[id] ?? 1) - 1
                if n > 0 {
                    u.readers[id] = n
                } else {
                    u.readers[id] = nil
                    if u.doomed.remove(id) != nil { out.append(id) }
                }
            }
            return out
        }
        for id in unlinkNow { unlink(blobPath(id)) }
    }

    /// Unlinks blobs that metadata no longer refers to, after any read in progress here.
    func removeBlobs(_ ids: [String]) async {
        let ids = ids.filter { !$0.isEmpty }
        guard !ids.isEmpty else { return }
        let unlinkNow: [String] = usage.withLockedValue { u in
            ids.filter { id in
                if u.readers[id] != nil {
                    u.doomed.insert(id)
                    return false
                }
                return true
            }
        }
        guard !unlinkNow.isEmpty else { return }
        let paths = unlinkNow.map(blobPath)
        _ = try? await R2FileIO.pool.runIfActive {
            for p in paths { unlink(p) }
        }
    }

    // MARK: rows

    static func keyValue(_ key: String) -> SQLiteValue { .blob(Array(key.utf8)) }

    static func object(from stmt: SQLiteStatement, http: Bool = true, custom: Bool = true) -> R2Object {
        let httpMetadata = http ? R2HTTPMetadata(
            contentType: stmt.string(at: 5), contentLanguage: stmt.string(at: 6),
            contentDisposition: stmt.string(at: 7), contentEncoding: stmt.string(at: 8),
            cacheControl: stmt.string(at: 9),
            cacheExpiry: stmt.isNull(at: 10) ? nil : Date(timeIntervalSince1970: Double(stmt.int64(at: 10)) / 1000)
        ) : R2HTTPMetadata()
        var customMetadata: [String: String] = [:]
        if custom, let text = stmt.string(at: 11), let parsed = try? JSONValue.parse(text).objectValue {
            customMetadata = parsed.compactMapValues(\.stringValue)
        }
        return R2Object(
            key: String(decoding: stmt.bytes(at: 0) ?? [], as: UTF8.self),
            version: stmt.string(at: 1) ?? "",
            size: Int(stmt.int64(at: 2)),
            etag: stmt.string(at: 3) ?? "",
            uploaded: Date(timeIntervalSince1970: Double(stmt.int64(at: 4)) / 1000),
            httpMetadata: httpMetadata,
            customMetadata: customMetadata,
            range: nil,
            checksums: R2Checksums(md5: stmt.string(at: 12), sha1: stmt.string(at: 13), sha256: stmt.string(at: 14), sha384: stmt.string(at: 15), sha512: stmt.string(at: 16))
        )
    }

    static func objectValues(_ o: R2Object) -> [SQLiteValue] {
        let h = o.httpMetadata
        let custom: SQLiteValue = o.customMetadata.isEmpty ? .null : .text(JSONValue.object(o.customMetadata.mapValues { .string($0) }).serialized())
        return [
            keyValue(o.key), .text(o.version), .integer(Int64(o.size)), .text(o.etag),
            .integer(R2Conditional.milliseconds(o.uploaded)),
            SQLiteValue(h.contentType), SQLiteValue(h.contentLanguage), SQLiteValue(h.contentDisposition),
            SQLiteValue(h.contentEncoding), SQLiteValue(h.cacheControl),
            SQLiteValue(h.cacheExpiry.map { R2Conditional.milliseconds($0) }),
            custom,
            SQLiteValue(o.checksums.md5), SQLiteValue(o.checksums.sha1), SQLiteValue(o.checksums.sha256),
            SQLiteValue(o.checksums.sha384), SQLiteValue(o.checksums.sha512),
        ]
    }

    /// Runs `body` in a read transaction on the reader, so every statement sees one snapshot.
    private func readSnapshot<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try database.read { db in
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            return try body(db)
        }
    }

    // MARK: reads

    func head(_ key: String) throws -> R2Object? {
        try database.read { db in
            let stmt = try db.cached("SELECT \(Self.objectColumns) FROM objects WHERE key = ?")
            try stmt.bind([Self.keyValue(key)])
            defer { stmt.reset() }
            guard try stmt.step() else { return nil }
            return Self.object(from: stmt)
        }
    }

    /// The object and its blobs, held in the in-use registry until `release(ids)`.
    func openForRead(_ key: String) throws -> (object: R2Object, segments: [R2BlobReader.Segment], ids: [String])? {
        while true {
            let found: (R2Object, [(String, Int)])? = try readSnapshot { db in
                let stmt = try db.cached("SELECT \(Self.objectColumns) FROM objects WHERE key = ?")
                try stmt.bind([Self.keyValue(key)])
                defer { stmt.reset() }
                guard try stmt.step() else { return nil }
                let object = Self.object(from: stmt)
                let segments = try db.query("SELECT blob_id, size FROM segments WHERE key = ? ORDER BY seq", [Self.keyValue(key)])
                return (object, segments.map { ($0[0].string ?? "", $0[1].int ?? 0) })
            }
            guard let (object, segments) = found else { return nil }
            let ids = segments.map(\.0)
            acquire(ids)
            // A commit that replaced this version before `acquire` may already have unlinked
            // its blobs; one after it finds them in use and defers the unlink.
            let current = try database.read { db in
                try db.query("SELECT version FROM objects WHERE key = ?", [Self.keyValue(key)]).first?.first?.string
            }
            if current == object.version {
                return (object, segments.map { R2BlobReader.Segment(path: blobPath($0.0), size: $0.1) }, ids)
            }
            release(ids)
        }
    }

    /// One page of keys in byte order from `lowerBound` (inclusive) that start with `prefix`.
    func list(prefix: [UInt8], delimiter: [UInt8]?, lowerBound: [UInt8], limit: Int, include: Set<R2ListInclude>) throws -> R2Objects {
        try readSnapshot { db in
            let stmt = try db.cached("SELECT \(Self.objectColumns) FROM objects WHERE key >= ? ORDER BY key")
            var bound: [UInt8]? = lowerBound
            var objects: [R2Object] = []
            var prefixes: [String] = []
            var truncated = false
            scan: while let from = bound {
                try stmt.bind([.blob(from)])
                defer { stmt.reset() }
                var skippedGroup = false
                while try stmt.step() {
                    let key = stmt.bytes(at: 0) ?? []
                    guard key.starts(with: prefix) else { break }
                    if objects.count + prefixes.count == limit {
                        truncated = true
                        break scan
                    }
                    if let delimiter, let end = R2Store.firstMatch(of: delimiter, in: key, from: prefix.count) {
                        let group = Array(key[..<end])
                        prefixes.append(String(decoding: group, as: UTF8.self))
                        bound = KeyOrder.successor(of: group)
                        skippedGroup = true
                        break
                    }
                    objects.append(Self.object(from: stmt, http: include.contains(.httpMetadata), custom: include.contains(.customMetadata)))
                    bound = key + [0]
                }
                if !skippedGroup { break }
            }
            let cursor = truncated ? bound.map { Data($0).base64EncodedString() } : nil
            return R2Objects(objects: objects, delimitedPrefixes: prefixes, truncated: truncated, cursor: cursor)
        }
    }

    /// The end index of the first `needle` in `haystack` at or after `start`.
    static func firstMatch(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }


    // MARK: writes

    /// Commits a written object if `onlyIf` holds for the current one; returns nil when it does
    /// not. Returns the blobs the object replaced, to unlink after the commit.
    func commitPut(_ object: R2Object, segments: [(id: String, size: Int)], onlyIf: R2Conditional?) async throws -> (R2Object, [String])? {
        try await database.write { db in
            try db.transaction {
                if let onlyIf {
                    let current = try db.query("SELECT etag, uploaded FROM objects WHERE key = ?", [Self.keyValue(object.key)]).first
                    let state = current.map { (etag: $0[0].string ?? "", uploadedMilliseconds: $0[1].int64 ?? 0) }
                    guard onlyIf.holds(for: state) else { return nil }
                }
                let replaced = try Self.replaceObject(db, object, segments: segments)
                return (object, replaced)
            }
        }
    }

    /// Writes the row and segments of `object`, returning the blob ids it replaced.
    private static func replaceObject(_ db: SQLiteConnection, _ object: R2Object, segments: [(id: String, size: Int)]) throws -> [String] {
        let key = keyValue(object.key)
        let replaced = try db.query("DELETE FROM segments WHERE key = ? RETURNING blob_id", [key]).compactMap { $0.first?.string }
        try db.run("INSERT OR REPLACE INTO objects (\(objectColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", objectValues(object))
        for (seq, s) in segments.enumerated() {
            try db.run("INSERT INTO segments (key, seq, blob_id, size) VALUES (?, ?, ?, ?)", [key, .integer(Int64(seq)), .text(s.id), .integer(Int64(s.size))])
        }
        return replaced
    }

    /// Deletes `keys`, returning the blobs to unlink.
    func delete(_ keys: [String]) async throws -> [String] {
        try await database.write { db in
            try db.transaction {
                var blobs: [String] = []
                for key in keys {
                    try db.run("DELETE FROM objects WHERE key = ?", [Self.keyValue(key)])
                    blobs += try db.query("DELETE FROM segments WHERE key = ? RETURNING blob_id", [Self.keyValue(key)]).compactMap { $0.first?.string }
                }
                return blobs
            }
        }
    }

    // MARK: multipart

    enum UploadState: Int64 {
        case inProgress = 0, completed = 1, aborted = 2
    }

    func createUpload(key: String, httpMetadata: R2HTTPMetadata?, customMetadata: [String: String]?) async throws -> String {
        let id = R2IDs.random(bytes: 24)
        let http: SQLiteValue = (httpMetadata?.isEmpty ?? true) ? .null : .text(String(decoding: try JSONEncoder().encode(httpMetadata), as: UTF8.self))
        let custom: SQLiteValue = (customMetadata?.isEmpty ?? true) ? .null : .text(JSONValue.object(customMetadata!.mapValues { .string($0) }).serialized())
        let now = clock.nowMilliseconds()
        try await database.write { db in
            try db.run("INSERT INTO uploads (upload_id, key, state, created, http_metadata, custom_metadata) VALUES (?, ?, 0, ?, ?, ?)",
                       [.text(id), Self.keyValue(key), .integer(now), http, custom])
        }
        return id
    }

    func uploadState(uploadID: String, key: String) throws -> UploadState? {
        try database.read { db in
            try db.query("SELECT state FROM uploads WHERE upload_id = ? AND key = ?", [.text(uploadID), Self.keyValue(key)])
                .first.flatMap { $0[0].int64 }.flatMap(UploadState.init(rawValue:))
        }
    }

    /// Records a written part; returns the blob of a part it replaced. 10024 if the upload is no longer in progress.
    func commitPart(uploadID: String, key: String, partNumber: Int, blobID: String, size: Int64, etag: String) async throws -> String? {
        try await database.write { db in
            try db.transaction {
                let state = try db.query("SELECT state FROM uploads WHERE upload_id = ? AND key = ?", [.text(uploadID), Self.keyValue(key)]).first?[0].int64
                guard state == UploadState.inProgress.rawValue else { throw R2Error.noSuchUpload("uploadPart") }
                let old = try db.query("SELECT blob_id FROM parts WHERE upload_id = ? AND part_number = ?", [.text(uploadID), .integer(Int64(partNumber))]).first?[0].string
                try db.run("INSERT OR REPLACE INTO parts (upload_id, part_number, blob_id, size, etag) VALUES (?, ?, ?, ?, ?)",
                           [.text(uploadID), .integer(Int64(partNumber)), .text(blobID), .integer(size), .text(etag)])
                return old
            }
        }
    }

    /// Validates the chosen parts and turns them into the object's segments, atomically.
    /// Returns the object and the blobs to unlink (parts not chosen, and the replaced object's).
    func completeUpload(uploadID: String, key: String, parts chosen: [R2UploadedPart], version: String) async throws -> (R2Object, [String]) {
        let op = "completeMultipartUpload"
        let now = clock.nowMilliseconds()
        return try await database.write { db in
            try db.transaction {
                guard let upload = try db.query("SELECT state, http_metadata, custom_metadata FROM uploads WHERE upload_id = ? AND key = ?", [.text(uploadID), Self.keyValue(key)]).first,
                      upload[0].int64 == UploadState.inProgress.rawValue else {
                    throw R2Error.noSuchUpload(op)
                }
                var stored: [Int: (blob: String, size: Int, etag: String)] = [:]
                for row in try db.query("SELECT part_number, blob_id, size, etag FROM parts WHERE upload_id = ?", [.text(uploadID)]) {
                    stored[row[0].int ?? 0] = (row[1].string ?? "", row[2].int ?? 0, row[3].string ?? "")
                }
                guard !chosen.isEmpty, Set(chosen.map(\.partNumber)).count == chosen.count else { throw R2Error.invalidPart(op) }
                var parts: [(number: Int, blob: String, size: Int, etag: String)] = []
                for p in chosen {
                    guard let s = stored[p.partNumber], s.etag == R2UploadedPart.unquoted(p.etag) else { throw R2Error.invalidPart(op) }
                    parts.append((p.partNumber, s.blob, s.size, s.etag))
                }
                parts.sort { $0.number < $1.number }
                let leading = parts.dropLast()
                if leading.contains(where: { $0.size < R2Limits.minPartBytes }) { throw R2Error.entityTooSmall(op) }
                if let partSize = leading.first?.size {
                    if leading.contains(where: { $0.size != partSize }) || parts.last!.size > partSize { throw R2Error.unevenParts(op) }
                }
                let etag = R2UploadedPart.multipartEtag(parts.map(\.etag))
                let http = upload[1].string.flatMap { try? JSONDecoder().decode(R2HTTPMetadata.self, from: Data($0.utf8)) } ?? R2HTTPMetadata()
                let custom = upload[2].string.flatMap { try? JSONValue.parse($0).objectValue?.compactMapValues(\.stringValue) } ?? [:]
                let object = R2Object(
                    key: key, version: version, size: parts.reduce(0) { $0 + $1.size }, etag: etag,
                    uploaded: Date(timeIntervalSince1970: Double(now) / 1000), httpMetadata: http, customMetadata: custom,
                    range: nil, checksums: R2Checksums()
                )
                var unlink = try Self.replaceObject(db, object, segments: parts.map { ($0.blob, $0.size) })
                let used = Set(parts.map(\.blob))
                unlink += stored.values.map(\.blob).filter { !used.contains($0) }
                try db.run("DELETE FROM parts WHERE upload_id = ?", [.text(uploadID)])
                try db.run("UPDATE uploads SET state = ? WHERE upload_id = ?", [.integer(UploadState.completed.rawValue), .text(uploadID)])
                return (object, unlink)
            }
        }
    }

    /// Aborts an upload, returning its parts' blobs. Aborting again does nothing; an unknown upload is 10024.
    func abortUpload(uploadID: String, key: String) async throws -> [String] {
        try await database.write { db in
            try db.transaction {
                guard let state = try db.query("SELECT state FROM uploads WHERE upload_id = ? AND key = ?", [.text(uploadID), Self.keyValue(key)]).first?[0].int64 else {
                    throw R2Error.noSuchUpload("abortMultipartUpload")
                }
                guard state == UploadState.inProgress.rawValue else { return [] }
                let blobs = try db.query("DELETE FROM parts WHERE upload_id = ? RETURNING blob_id", [.text(uploadID)]).compactMap { $0.first?.string }
                try db.run("UPDATE uploads SET state = ? WHERE upload_id = ?", [.integer(UploadState.aborted.rawValue), .text(uploadID)])
                return blobs
            }
        }
    }
}
