import NIOPosix

/// Whole-node backups from inside the runtime, e.g. a Worker's `scheduled` handler run by a
/// `[triggers] crons` entry: the same `BackupCreator` as `outpost backup create`, run on a
/// thread-pool thread so its file I/O never blocks the cooperative pool.
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
        return try await NIOThreadPool.singleton.runIfActive { try creator.create(keep: keep) }
    }
}
