import ArgumentParser
import Foundation
import Outpost

/// `outpost backup restore DIR/<id> --persist-to NEW`: verify, then build a state directory.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Verify a backup, then build a new state directory from it (refuses a non-empty one)."
    )

    @Argument(help: "The backup directory (DIR/<id>).")
    var backup: String

    @Option(name: .customLong("persist-to"), help: "The new state directory (must not exist, or be empty).")
    var stateDirectory: String

    func run() async throws {
        let manifest = try backupFailure { try BackupRestorer(backup: backup, target: stateDirectory).restore() }
        Console.json(BackupSummary(path: URL(fileURLWithPath: stateDirectory).standardizedFileURL.path, manifest))
    }
}
