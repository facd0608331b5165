import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Remembers every running instance on disk, so a runtime killed with -9 leaves nothing behind:
/// the next start kills the recorded process groups that are still alive.
///
/// A pid alone could have been reused by an unrelated process since; the recorded start time
/// (from /proc) must match too. Stored as JSON in `<state>/containers/instances.json`, rewritten
/// atomically on each change.
public final class OrphanRegistry: Sendable {
    public struct Entry: Codable, Sendable, Hashable {
        public var className: String
        public var instanceID: String
        public var pid: Int32
        public var startTime: UInt64
        public var scratchDirectory: String
        public var cgroupDirectories: [String]
    }

    public let path: String
    private let entries = NIOLockedValueBox<[Int32: Entry]>([:])

    public init(stateDirectory: String) {
        let dir = (stateDirectory as NSString).appendingPathComponent("containers")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        path = dir + "/instances.json"
    }

    func record(_ process: ContainerProcess) {
        let entry = Entry(className: process.launch.className, instanceID: process.launch.instanceID, pid: process.pid,
                          startTime: process.startTime, scratchDirectory: process.scratchDirectory,
                          cgroupDirectories: process.cgroup?.directories ?? [])
        entries.withLockedValue {
            $0[process.pid] = entry
            save($0)
        }
    }

    func remove(pid: Int32) {
        entries.withLockedValue {
            guard $0.removeValue(forKey: pid) != nil else { return }
            save($0)
        }
    }

    /// The entries on disk (from a previous run, before `reap()`).
    public func recorded() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path),
              let list = try? JSONDecoder().decode([Entry].self, from: data) else { return [] }
        return list
    }

    /// Kills every recorded process group that is still alive, removes what it left on disk, and
    /// forgets the old entries. Returns the entries whose processes were found alive and killed.
    @discardableResult
    public func reap() -> [Entry] {
        var killed: [Entry] = []
        for entry in recorded() {
            let leaderAlive = ProcFS.isAlive(entry.pid) && ProcFS.startTime(entry.pid) == entry.startTime
            // A pgid cannot be reused while any member of the group lives, so members are ours.
            let members = ProcFS.members(ofGroup: entry.pid)
            if leaderAlive || !members.isEmpty {
                _ = Glibc.kill(-entry.pid, SIGKILL)
                if leaderAlive { _ = Glibc.kill(entry.pid, SIGKILL) }
                killed.append(entry)
            }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        for entry in killed {
            while ContinuousClock.now < deadline, ProcFS.isAlive(entry.pid) || !ProcFS.members(ofGroup: entry.pid).isEmpty {
                usleep(2000)
            }
        }
        for entry in recorded() {
            try? FileManager.default.removeItem(atPath: entry.scratchDirectory)
            for dir in entry.cgroupDirectories { rmdir(dir) }
        }
        entries.withLockedValue {
            $0 = [:]
            save($0)
        }
        return killed
    }

    private func save(_ entries: [Int32: Entry]) {
        let list = entries.values.sorted { $0.pid < $1.pid }
        guard let data = try? JSONEncoder().encode(list) else { return }
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
