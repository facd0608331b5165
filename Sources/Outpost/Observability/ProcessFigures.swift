import Foundation

/// This process's resident memory and open file descriptors, read from `/proc/self`, and the
/// space on a directory's filesystem.
struct ProcessFigures {
    var residentBytes: Int?
    var openFileDescriptors: Int?

    static func now() -> ProcessFigures {
        // statm: size resident shared … in pages.
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ")
        let resident = statm.flatMap { $0.count > 1 ? Int($0[1]) : nil }.map { $0 * Int(sysconf(Int32(_SC_PAGESIZE))) }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { $0.count }
        return ProcessFigures(residentBytes: resident, openFileDescriptors: fds)
    }

    /// Bytes available to unprivileged writers, and the size, of the filesystem holding `path`.
    static func filesystem(of path: String) -> (available: UInt64, size: UInt64)? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return (UInt64(st.f_bavail) * UInt64(st.f_frsize), UInt64(st.f_blocks) * UInt64(st.f_frsize))
    }
}
