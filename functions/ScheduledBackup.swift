import Durable
import Foundation
import Outpost

/// The scheduled handler's whole-node backup: when the var `BACKUP_DIR` is set, a cron trigger
/// takes `outpost backup create --to $BACKUP_DIR [--keep $BACKUP_KEEP]` of the node's own state.
///
/// `BACKUP_CRON`, when set, names the one `[triggers] crons` expression that backs up (so other
/// crons can do other work); otherwise every trigger does. A failure (a full disk) is thrown, so
/// the runtime logs it; the node keeps serving and the next trigger tries again.
enum ScheduledBackup {
    static func run(_ controller: ScheduledController, env: Env) async throws {
        guard let directory = env["BACKUP_DIR"], !directory.isEmpty else { return }
        if let cron = env["BACKUP_CRON"], !cron.isEmpty, cron != controller.cron { return }
        var keep: Int?
        if let text = env["BACKUP_KEEP"], !text.isEmpty {
            guard let n = Int(text), n >= 1 else { throw BackupError("BACKUP_KEEP must be a whole number of at least 1, got \"\(text)\"") }
            keep = n
        }
        let state = try env.durableObject(PlatformBindings.orchestrator).stateDirectory
        let (path, manifest) = try await NodeBackups(stateDirectory: state).create(to: directory, keep: keep)
        FileHandle.standardError.write(Data("scheduled backup (\(controller.cron)): \(path), \(manifest.files.count) files, point in time \(manifest.pointInTime)\n".utf8))
    }
}
