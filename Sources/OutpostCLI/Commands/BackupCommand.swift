import ArgumentParser
import Foundation
import Outpost

/// `outpost backup create|verify|restore|list`: whole-node backups of the state directory,
/// taken while `outpost dev` runs (see `BackupCreator` for the point in time).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Back up, verify, list and restore the whole state directory.",
        subcommands: [BackupCreateCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self, BackupListCommand.self]
    )

    static let defaultDirectory = ".outpost/backups"
}

/// Turns a `BackupError` into the CLI's `error: …` and exit code 1.
func backupFailure<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as BackupError {
        throw CLIError(error.description)
    }
}

/// What `create`, `verify` and `restore` print: one JSON line about the backup.
struct BackupSummary: Encodable {
    let path: String
    let id: String
    let createdAt: String
    let pointInTime: String
    let windowEnd: String
    let files: Int
    let bytes: Int64
    let databases: Int
    let blobs: String

    init(path: String, _ manifest: BackupManifest) {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        self.path = path
        id = manifest.id
        createdAt = manifest.createdAt.formatted(style)
        pointInTime = manifest.pointInTime.formatted(style)
        windowEnd = manifest.windowEnd.formatted(style)
        files = manifest.files.count
        bytes = manifest.files.reduce(0) { $0 + $1.size }
        databases = manifest.databases.count
        blobs = manifest.blobs
    }
}
