import Foundation

/// Whole-node backups from inside the runtime, e.g. a Worker's `scheduled` handler run by a
/// `[triggers] crons` entry: the same `BackupCreator` as `outpost backup create`, run on a
/// thread of its own, so minutes of file I/O never hold the cooperative pool or the thread pool
/// that SQLite commits use.
///
/// A Worker finds the state directory through any Durable Object namespace it has bound
/// (`env.durableObject(NAME).stateDirectory`).
public struct NodeBackups: Sendable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    /// Takes a backup into `directory/<id>`, then keeps the newest `keep` complete ones.
    public func create(to directory: String, keep: Int? = nil) async throws -> (path: String, manifest: BackupManifest) {
        let creator = BackupCreator(stateDirectory: stateDirectory, destination: directory)
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try creator.create(keep: keep) })
            }
            thread.name = "outpost-backup"
            thread.start()
        }
    }
}
