import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A job's input as a file in the process's scratch directory, removed when the job ends.
///
/// FFmpeg needs seekable input, so inputs are spooled to disk rather than streamed. Owned by one
/// job; `remove()` (called from a `defer`) and, as a backstop, `deinit` delete it on every path.
// @unchecked Sendable: a scratch file belongs to one job. It is written by the request task and
// may then be handed once to the task streaming the response; it is never used by two at a time.
public final class ScratchFile: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    private(set) var size: Int64 = 0

    /// Creates an empty file with a fresh name in `directory`.
    init(directory: String, prefix: String) throws(ServiceError) {
        var lastErrno: Int32 = 0
        for _ in 0..<8 {
            let candidate = (directory as NSString).appendingPathComponent("\(Self.fileName(prefix))-\(UUID().uuidString.prefix(12))")
            let fd = open(candidate, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 {
                path = candidate
                descriptor = fd
                return
            }
            lastErrno = errno
            if lastErrno != EEXIST { break }
        }
        throw .internalError("Cannot create a scratch file in \(directory): \(String(cString: strerror(lastErrno))). Check that the directory exists and is writable (TMPDIR or the working directory).")
    }

    /// `prefix` (which carries a job id a client chose) with anything but letters, digits, `-`
    /// and `_` replaced: a name, never a path out of the scratch directory. The one rule for
    /// naming a file or directory after a job.
    public static func fileName(_ prefix: String) -> String {
        String(prefix.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }

    /// Wraps a file that already exists at `path` (for example a finished download).
    init(adopting path: String) {
        self.path = path
        descriptor = -1
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ServiceError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .internalError("Writing the input to scratch space failed: \(String(cString: strerror(errno))).")
            }
            offset += written
        }
        size += Int64(bytes.count)
    }

    /// Closes the file for writing; it stays on disk until this object goes away.
    func finishWriting() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    /// Closes and deletes the file.
    func remove() {
        finishWriting()
        unlink(path)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        unlink(path)
    }
}
