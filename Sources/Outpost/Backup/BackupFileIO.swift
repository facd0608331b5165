import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX file work of backups: hard links, copies that are fsynced, SHA-256 of a file,
/// directory fsyncs. Every failure names the path and says plainly when the disk is full.
enum BackupFileIO {
    /// The text of `errno` for an operation on `path`; ENOSPC/EDQUOT read as "disk full".
    static func failure(_ operation: String, _ path: String, errno code: Int32 = errno) -> BackupError {
        if code == ENOSPC || code == EDQUOT {
            return BackupError("disk full: no space left on device while \(operation) \(path)")
        }
        return BackupError("\(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// Links `source` to `destination`; false when they are on different filesystems (or the
    /// filesystem refuses links), so the caller copies instead. Throws ENOENT as `nil`-able.
    enum LinkOutcome { case linked, crossDevice, missing }
    static func link(_ source: String, _ destination: String) throws -> LinkOutcome {
        if Glibc.link(source, destination) == 0 { return .linked }
        switch errno {
        case EXDEV, EPERM, EMLINK: return .crossDevice
        case ENOENT: return .missing
        default: throw failure("linking", destination)
        }
    }

    /// Copies `source` to `destination` (created, mode kept) and fsyncs it; `.missing` if the
    /// source is gone.
    @discardableResult
    static func copy(_ source: String, _ destination: String) throws -> LinkOutcome {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        if input < 0 {
            if errno == ENOENT { return .missing }
            throw failure("reading", source)
        }
        defer { close(input) }
        let mode = ((try? FileManager.default.attributesOfItem(atPath: source))?[.posixPermissions] as? NSNumber)?.uint32Value ?? 0o644
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0o7777)
        if output < 0 { throw failure("creating", destination) }
        defer { close(output) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, size)
            if n < 0 { if errno == EINTR { continue }; throw failure("reading", source) }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = write(output, buffer + written, n - written)
                if w < 0 { if errno == EINTR { continue }; throw failure("writing", destination) }
                written += w
            }
        }
        if fsync(output) != 0 { throw failure("syncing", destination) }
        return .linked
    }

    /// The SHA-256 (lowercase hex) and size of the file at `path`; fsyncs it when `sync`.
    static func sha256(_ path: String, sync: Bool = false) throws -> (hash: String, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw failure("reading", path) }
        defer { close(fd) }
        var hasher = SHA256()
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer, size)
            if n < 0 { if errno == EINTR { continue }; throw failure("reading", path) }
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: n))
            total += Int64(n)
        }
        if sync, fsync(fd) != 0 { throw failure("syncing", path) }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// fsyncs a directory, so the names created in it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw failure("opening", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("syncing", path) }
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
            throw failure("creating directory", path, errno: Int32(code ?? Int(EIO)))
        }
    }

    /// Regular files under `root` (relative paths, sorted), and every directory (relative, parents first).
    static func walk(_ root: String) -> (files: [String], directories: [String]) {
        var files: [String] = [], directories: [String] = []
        guard let e = FileManager.default.enumerator(atPath: root) else { return ([], []) }
        while let relative = e.nextObject() as? String {
            switch e.fileAttributes?[.type] as? FileAttributeType {
            case .typeRegular?: files.append(relative)
            case .typeDirectory?: directories.append(relative)
            default: continue
            }
        }
        return (files.sorted(), directories.sorted())
    }

    static func isFileSystemSame(_ a: String, _ b: String) -> Bool {
        func device(_ path: String) -> UInt64? {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.systemNumber] as? NSNumber)?.uint64Value
        }
        guard let da = device(a), let db = device(b) else { return false }
        return da == db
    }
}
