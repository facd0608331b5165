public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The backups in one directory: listing, retention (`--keep N`), and clean-up of `.partial`
/// directories that no running `backup create` holds any more.
public struct BackupCatalog: Sendable {
    public static let partialSuffix = ".partial"
    public let directory: String

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
    }

    /// One backup (or one being written) in the directory.
    public struct Entry: Sendable, Codable {
        public var id: String
        public var path: String
        /// `complete`, `partial` (being written, or left by a crash) or `unreadable` (no valid manifest).
        public var state: String
        /// ISO 8601, as in the manifest.
        public var createdAt: String?
        public var pointInTime: String?
        public var files: Int?
        public var bytes: Int64?
    }

    /// Every backup directory, oldest first (complete ones by `createdAt`, then by name).
    public func list() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var entries: [Entry] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue, !name.hasPrefix(".") else { continue }
            if name.hasSuffix(Self.partialSuffix) {
                entries.append(Entry(id: name, path: path, state: "partial"))
            } else if let manifest = try? BackupManifest.read(backup: path) {
                entries.append(Entry(id: name, path: path, state: "complete", createdAt: BackupClock.iso8601(manifest.createdAt), pointInTime: BackupClock.iso8601(manifest.pointInTime),
                                     files: manifest.files.count, bytes: manifest.files.reduce(0) { $0 + $1.size }))
            } else {
                entries.append(Entry(id: name, path: path, state: "unreadable"))
            }
        }
        // ISO 8601 UTC times with milliseconds sort as text.
        return entries.sorted { ($0.createdAt ?? "", $0.id) < ($1.createdAt ?? "", $1.id) }
    }

    /// Deletes the oldest complete backups beyond `keep`; returns the ones deleted.
    @discardableResult
    public func prune(keep: Int) throws -> [String] {
        let complete = list().filter { $0.state == "complete" }
        guard complete.count > keep else { return [] }
        var removed: [String] = []
        for entry in complete.prefix(complete.count - keep) {
            // Renamed first, so a crash mid-delete leaves a `.partial` (cleaned later), never a damaged backup under its name.
            let doomed = entry.path + ".deleting" + Self.partialSuffix
            guard rename(entry.path, doomed) == 0 else { throw BackupFileIO.failure("renaming", entry.path) }
            try FileManager.default.removeItem(atPath: doomed)
            removed.append(entry.id)
        }
        return removed
    }

    /// Removes `.partial` directories whose creator is gone (no process holds its lock).
    @discardableResult
    public func removeStalePartials() -> [String] {
        var removed: [String] = []
        for entry in list() where entry.state == "partial" {
            let marker = entry.path + "/" + BackupCreator.creatingMarker
            let fd = open(marker, O_RDWR | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }  // a running create holds it
            }
            if (try? FileManager.default.removeItem(atPath: entry.path)) != nil { removed.append(entry.id) }
        }
        return removed
    }
}
