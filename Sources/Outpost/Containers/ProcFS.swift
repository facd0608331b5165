import Foundation
import Glibc

/// Reads what the runtime needs about a process from /proc.
enum ProcFS {
    /// The start time (clock ticks after boot, field 22 of /proc/PID/stat): with the pid it names a process uniquely.
    static func startTime(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); start time is field 22.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The state letter (R, S, Z …), nil when the process is gone.
    static func state(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    /// True while the process exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let s = state(pid) else { return false }
        return s != "Z" && s != "X"
    }

    /// Resident set size in bytes.
    static func residentBytes(_ pid: Int32) -> Int64? {
        guard let statm = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return nil }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Every process's children, by parent pid (one scan of /proc: this kernel may lack
    /// /proc/PID/task/TID/children).
    static func children() -> [Int32: [Int32]] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [:] }
        var children: [Int32: [Int32]] = [:]
        for child in entries.compactMap({ Int32($0) }) {
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(child) }
        }
        return children
    }

    /// `pid` and every process below it, from a `children()` map.
    static func tree(_ pid: Int32, children: [Int32: [Int32]]) -> [Int32] {
        var out: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            out.append(next)
            queue += children[next] ?? []
        }
        return out
    }

    /// Pids whose process group is `pgid` (scans /proc).
    static func members(ofGroup pgid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 3 && Int32(fields[2]) == pgid && fields[0] != "Z"
        }
    }
}
