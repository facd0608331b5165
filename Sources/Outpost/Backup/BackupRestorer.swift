import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `outpost backup restore`: verifies the backup, then builds a state directory from it (every
/// file copied and fsynced; R2 blobs are copied, never linked, so the restored node cannot
/// touch the backup). Refuses a target that exists and is not empty.
public struct BackupRestorer: Sendable {
    public let backup: String
    public let target: String

    public init(backup: String, target: String) {
        self.backup = URL(fileURLWithPath: backup).standardizedFileURL.path
        self.target = URL(fileURLWithPath: target).standardizedFileURL.path
    }

    @discardableResult
    public func restore() throws -> BackupManifest {
        let existed = FileManager.default.fileExists(atPath: target)
        if existed {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: target) else {
                throw BackupError("refusing to restore into \(target): it is not a directory")
            }
            guard entries.isEmpty else {
                throw BackupError("refusing to restore into \(target): it is not empty (\(entries.count) entries); restore into a new or empty directory")
            }
        }
        let manifest = try BackupVerifier(backup: backup).verify()
        do {
            try BackupFileIO.makeDirectory(target)
            var directories: Set<String> = [target]
            for file in manifest.files {
                let destination = target + "/" + file.path
                let parent = (destination as NSString).deletingLastPathComponent
                if directories.insert(parent).inserted { try BackupFileIO.makeDirectory(parent) }
                guard try BackupFileIO.copy(backup + "/" + file.path, destination) != .missing else {
                    throw BackupError("\(backup)/\(file.path): vanished during the restore")
                }
            }
            for directory in directories.sorted(by: >) { try BackupFileIO.syncDirectory(directory) }
        } catch {
            if existed {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [] {
                    try? FileManager.default.removeItem(atPath: target + "/" + entry)
                }
            } else {
                try? FileManager.default.removeItem(atPath: target)
            }
            throw error
        }
        return manifest
    }
}
