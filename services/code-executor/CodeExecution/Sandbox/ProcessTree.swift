import Foundation
import Glibc

/// The processes of one run, found from its first process through
/// `/proc/<pid>/task/<tid>/children`, and the memory they hold together.
enum ProcessTree {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The sum of the resident set sizes of `root` and all its descendants, bytes.
    static func residentBytes(root: pid_t) -> Int {
        var total = 0
        var pending = [root]
        var seen = 0
        while let pid = pending.popLast(), seen < 4096 {
            seen += 1
            if let statm = read("/proc/\(pid)/statm") {
                let fields = statm.split(separator: " ")
                if fields.count > 1, let pages = Int(fields[1]) { total += pages * pageSize }
            }
            guard let tasks = opendir("/proc/\(pid)/task") else { continue }
            while let entry = readdir(tasks) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard let tid = Int(name), let children = read("/proc/\(pid)/task/\(tid)/children") else { continue }
                pending += children.split(separator: " ").compactMap { pid_t($0) }
            }
            closedir(tasks)
        }
        return total
    }

    /// A small /proc file's text, or nil.
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: [" ", "\n"])
    }
}
