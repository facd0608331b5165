import Foundation

/// `outpost backup verify`: every file's size and SHA-256 against the manifest, no file the
/// manifest does not list, then `PRAGMA integrity_check` on every database. Throws at the first
/// bad file, naming it.
public struct BackupVerifier: Sendable {
    public let backup: String

    public init(backup: String) {
        self.backup = URL(fileURLWithPath: backup).standardizedFileURL.path
    }

    @discardableResult
    public func verify() throws -> BackupManifest {
        if backup.hasSuffix(BackupCatalog.partialSuffix) {
            throw BackupError("\(backup): an incomplete backup (still being written, or left by a failed create)")
        }
        let manifest = try BackupManifest.read(backup: backup)
        guard manifest.formatVersion == BackupManifest.currentFormatVersion else {
            throw BackupError("\(backup)/\(BackupManifest.fileName): format version \(manifest.formatVersion), this outpost reads \(BackupManifest.currentFormatVersion)")
        }
        for file in manifest.files {
            guard Self.isSafe(file.path) else { throw BackupError("\(backup)/\(BackupManifest.fileName): unsafe path \(file.path)") }
            let path = backup + "/" + file.path
            guard FileManager.default.fileExists(atPath: path) else { throw BackupError("\(path): missing") }
            let (hash, size) = try BackupFileIO.sha256(path)
            guard size == file.size else { throw BackupError("\(path): size \(size), the manifest says \(file.size)") }
            guard hash == file.sha256 else { throw BackupError("\(path): checksum mismatch (sha256 \(hash), the manifest says \(file.sha256))") }
        }
        let listed = Set(manifest.files.map(\.path) + [BackupManifest.fileName])
        if let extra = BackupFileIO.walk(backup).files.first(where: { !listed.contains($0) }) {
            throw BackupError("\(backup)/\(extra): not listed in the manifest")
        }
        for database in manifest.databases {
            guard listed.contains(database) else { throw BackupError("\(backup)/\(database): a database the manifest names but does not list") }
            if let problem = SQLiteOnlineBackup.integrityProblem(path: backup + "/" + database) {
                throw BackupError("\(backup)/\(database): integrity_check failed: \(problem)")
            }
        }
        return manifest
    }

    /// A relative path that stays inside the backup.
    static func isSafe(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains { $0 == ".." || $0 == "." }
    }
}
