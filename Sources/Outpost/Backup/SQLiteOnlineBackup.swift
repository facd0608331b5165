import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SQLite's online backup API (`sqlite3_backup_init/step/finish`) for one database that a
/// running node may be writing.
///
/// `pin()` opens a read transaction: in WAL mode it fixes the snapshot the copy will show,
/// while writers go on committing. `copy(to:)` then copies that snapshot page by page into a
/// new self-contained file (rollback-journal mode, no -wal beside it), and fsyncs it.
final class SQLiteOnlineBackup {
    let path: String
    private let db: OpaquePointer

    /// Opens the live database at `path` (never creating it).
    init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw BackupError("\(path): cannot open the database: \(message)")
        }
        db = handle
        sqlite3_busy_timeout(db, 30_000)
    }

    deinit {
        sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
        sqlite3_close_v2(db)
    }

    /// Starts the read transaction whose snapshot `copy(to:)` copies.
    func pin() throws {
        try Self.exec(db, "BEGIN", path: path)
        try Self.exec(db, "SELECT count(*) FROM sqlite_schema", path: path)
    }

    /// Copies the pinned snapshot (or the current state, if not pinned) to `destination`.
    func copy(to destination: String) throws {
        var handle: OpaquePointer?
        var rc = sqlite3_open_v2(destination, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let dest = handle else {
            sqlite3_close_v2(handle)
            throw Self.failure(rc, "creating", destination)
        }
        defer { sqlite3_close_v2(dest) }
        guard let backup = sqlite3_backup_init(dest, "main", db, "main") else {
            throw Self.failure(sqlite3_extended_errcode(dest), "copying \(path) to", destination, db: dest)
        }
        repeat {
            rc = sqlite3_backup_step(backup, -1)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { usleep(5_000) }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        let finish = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finish == SQLITE_OK else {
            throw Self.failure(rc == SQLITE_DONE ? finish : rc, "copying \(path) to", destination, db: dest)
        }
        // One self-contained file: the copy keeps no -wal beside it.
        try Self.exec(dest, "PRAGMA journal_mode = DELETE", path: destination)
        let fd = open(destination, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        if fd < 0 || fsync(fd) != 0 { throw BackupFileIO.failure("syncing", destination) }
    }

    /// `PRAGMA integrity_check` on the database at `path`, opened read-only: nil when "ok",
    /// else SQLite's first complaint.
    static func integrityProblem(path: String) -> String? {
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        defer { sqlite3_close_v2(handle) }
        guard rc == SQLITE_OK, let db = handle else { return "cannot open: \(String(cString: sqlite3_errstr(rc)))" }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nil) == SQLITE_OK else {
            return String(cString: sqlite3_errmsg(db))
        }
        defer { sqlite3_finalize(stmt) }
        var lines: [String] = []
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_ROW {
                lines.append(sqlite3_column_text(stmt, 0).map { String(cString: $0) } ?? "")
            } else if step == SQLITE_DONE {
                break
            } else {
                return String(cString: sqlite3_errmsg(db))
            }
        }
        return lines == ["ok"] ? nil : lines.prefix(3).joined(separator: "; ")
    }

    /// Whether `path` starts with SQLite's file header.
    static func isDatabase(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }

    private static func exec(_ db: OpaquePointer, _ sql: String, path: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(error)
            if rc & 0xff == SQLITE_FULL { throw BackupError("disk full: no space left on device while writing \(path)") }
            throw BackupError("\(path): \(sql) failed: \(message)")
        }
    }

    private static func failure(_ rc: Int32, _ operation: String, _ path: String, db: OpaquePointer? = nil) -> BackupError {
        if rc & 0xff == SQLITE_FULL || (rc & 0xff == SQLITE_IOERR && errno == ENOSPC) {
            return BackupError("disk full: no space left on device while \(operation) \(path)")
        }
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
        return BackupError("\(operation) \(path): \(message)")
    }
}
