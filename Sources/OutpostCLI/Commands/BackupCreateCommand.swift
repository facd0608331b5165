import ArgumentParser
import Foundation
import Outpost

/// `outpost backup create --to DIR [--persist-to STATE] [--keep N]`.
struct BackupCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Snapshot the state directory (safe while `outpost dev` runs) into DIR/<id>; prints the manifest's summary as JSON."
    )

    @Option(name: .customLong("persist-to"), help: "The state directory to back up.")
    var stateDirectory = ".outpost/state"

    @Option(name: .customLong("to"), help: "Directory that holds the backups.")
    var destination = BackupCommand.defaultDirectory

    @Option(help: "Afterwards keep only the newest N complete backups in DIR.")
    var keep: Int?

    func run() async throws {
        let (path, manifest) = try backupFailure {
            try BackupCreator(stateDirectory: stateDirectory, destination: destination).create(keep: keep)
        }
        Console.json(BackupSummary(path: path, manifest))
    }
}
