import ArgumentParser
import Foundation
import Outpost

/// `outpost backup verify DIR/<id>`: checksums and `PRAGMA integrity_check`; exit 1 naming the first bad file.
struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check every checksum and every database of a backup."
    )

    @Argument(help: "The backup directory (DIR/<id>).")
    var backup: String

    func run() async throws {
        let manifest = try backupFailure { try BackupVerifier(backup: backup).verify() }
        Console.json(BackupSummary(path: URL(fileURLWithPath: backup).standardizedFileURL.path, manifest))
        Console.error("ok: \(manifest.files.count) files and \(manifest.databases.count) databases check out")
    }
}
