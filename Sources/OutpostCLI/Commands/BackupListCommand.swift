import ArgumentParser
import Foundation
import Outpost

/// `outpost backup list [--to DIR]`: one JSON line per backup, oldest first.
struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the backups in DIR, oldest first, one JSON line each (state: complete, partial or unreadable)."
    )

    @Option(name: .customLong("to"), help: "Directory that holds the backups.")
    var destination = BackupCommand.defaultDirectory

    func run() async throws {
        for entry in BackupCatalog(directory: destination).list() {
            Console.json(entry)
        }
    }
}
