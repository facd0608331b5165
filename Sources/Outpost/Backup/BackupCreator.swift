import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `outpost backup create`: a consistent snapshot of a state directory that a running node
/// may be writing.
///
/// The point in time: every database is opened first, then the clock is read (`pointInTime`),
/// then a read transaction is started on each, one after the other (`windowEnd` is read after
/// the last). In WAL mode each read transaction fixes that database's snapshot, and SQLite's
/// online backup API then copies exactly that snapshot while writers go on. So every write
/// acknowledged (committed) before `pointInTime` is in the backup, and none acknowledged after
/// `windowEnd`; the window is the time to start N read transactions (milliseconds). A database
/// that appears after the first scan (an object's first write) is found by a second scan after
/// the point and pinned too, widening the window.
///
/// R2 blobs are immutable (written to a `.tmp` file, renamed into place before the metadata
/// that names them commits, unlinked only after the metadata stops naming them). Before the
/// snapshot every blob present is hard-linked into the backup (copied across filesystems); after
/// it, the blobs the snapshot's metadata names but the backup lacks are added, and the ones it
/// does not name are dropped. A blob deleted between the snapshot and that second pass (the
/// object was overwritten in that instant) makes the attempt start over, up to 5 times.
///
/// Everything is written under `<to>/<id>.partial/`, fsynced, and renamed to `<to>/<id>` only
/// when complete: a crash or a full disk leaves no directory `verify` would pass.
public struct BackupCreator: Sendable {
    public let stateDirectory: String
    public let destination: String

    public init(stateDirectory: String, destination: String) {
        self.stateDirectory = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
        self.destination = URL(fileURLWithPath: destination).standardizedFileURL.path
    }

    static let attempts = 5
    static let creatingMarker = ".creating"

    /// Takes the backup; returns its manifest. `keep`: afterwards delete the oldest complete
    /// backups in the destination beyond that many.
    @discardableResult
    public func create(keep: Int? = nil) throws -> (path: String, manifest: BackupManifest) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: stateDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BackupError("\(stateDirectory): no such state directory")
        }
        if destination == stateDirectory || destination.hasPrefix(stateDirectory + "/") {
            throw BackupError("\(destination) is inside the state directory \(stateDirectory); back up somewhere else")
        }
        if let keep, keep < 1 { throw BackupError("--keep must be at least 1, got \(keep)") }
        try BackupFileIO.makeDirectory(destination)
        BackupCatalog(directory: destination).removeStalePartials()
        Self.raiseOpenFileLimit()

        var lastRace = ""
        for _ in 0..<Self.attempts {
            let createdAt = Date()
            let id = BackupClock.backupID(createdAt)
            let staging = destination + "/" + id + BackupCatalog.partialSuffix
            try BackupFileIO.makeDirectory(staging)
            let lock = open(staging + "/" + Self.creatingMarker, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if lock < 0 { try? FileManager.default.removeItem(atPath: staging); throw BackupFileIO.failure("creating", staging + "/" + Self.creatingMarker) }
            flock(lock, LOCK_EX)
            defer { close(lock) }
            do {
                let manifest = try snapshot(into: staging, id: id, createdAt: createdAt)
                let final = destination + "/" + id
                unlink(staging + "/" + Self.creatingMarker)
                try BackupFileIO.syncDirectory(staging)
                guard rename(staging, final) == 0 else { throw BackupFileIO.failure("renaming", staging) }
                try BackupFileIO.syncDirectory(destination)
                if let keep { try BackupCatalog(directory: destination).prune(keep: keep) }
                return (final, manifest)
            } catch let race as BlobRace {
                try? FileManager.default.removeItem(atPath: staging)
                lastRace = race.blob
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
        }
        throw BackupError("the state kept changing under the backup: blob \(lastRace) vanished in each of \(Self.attempts) attempts")
    }

    /// A blob the snapshot names was deleted before it could be linked: start over.
    struct BlobRace: Error { let blob: String }

    private func snapshot(into staging: String, id: String, createdAt: Date) throws -> BackupManifest {
        let scan = StateDirectoryScan(root: stateDirectory)
        let sameFileSystem = BackupFileIO.isFileSystemSame(stateDirectory, staging)

        // 1. Every blob present now, before the snapshot.
        for bucket in scan.buckets {
            try BackupFileIO.makeDirectory(staging + "/" + bucket.blobsDirectory)
            for blob in bucket.blobs {
                _ = try place(bucket.blobsDirectory + "/" + blob, into: staging, link: sameFileSystem)
            }
        }

        // 2. The databases: open all, pin all (the window), then copy each pinned snapshot.
        var sources: [(String, SQLiteOnlineBackup)] = []
        for relative in scan.databases {
            let path = stateDirectory + "/" + relative
            do {
                sources.append((relative, try SQLiteOnlineBackup(path: path)))
            } catch where !FileManager.default.fileExists(atPath: path) {
                continue  // deleted since the scan (an object's storage removed)
            }
        }
        let pointInTime = Date()
        for (_, source) in sources { try source.pin() }
        var windowEnd = Date()
        // A database created since the scan (a new object's first write) may hold writes
        // acknowledged before the point: look again after it, and pin what is new.
        var opened = Set(sources.map(\.0))
        while true {
            let late = StateDirectoryScan(root: stateDirectory).databases.filter { !opened.contains($0) }
            if late.isEmpty { break }
            for relative in late {
                opened.insert(relative)
                let path = stateDirectory + "/" + relative
                let source: SQLiteOnlineBackup
                do {
                    source = try SQLiteOnlineBackup(path: path)
                } catch where !FileManager.default.fileExists(atPath: path) {
                    continue
                }
                try source.pin()
                sources.append((relative, source))
            }
            windowEnd = Date()
        }
        for (relative, source) in sources {
            try BackupFileIO.makeDirectory(((staging + "/" + relative) as NSString).deletingLastPathComponent)
            try source.copy(to: staging + "/" + relative)
        }
        let databases = sources.map(\.0).sorted()
        sources.removeAll()

        // 3. Blobs: exactly the ones the snapshot's metadata names.
        for bucket in scan.buckets {
            let referenced = try referencedBlobs(staging + "/" + bucket.metadata)
            let present = Set(bucket.blobs)
            for blob in referenced where !present.contains(blob) || !FileManager.default.fileExists(atPath: staging + "/" + bucket.blobsDirectory + "/" + blob) {
                if try place(bucket.blobsDirectory + "/" + blob, into: staging, link: sameFileSystem) == .missing {
                    throw BlobRace(blob: bucket.blobsDirectory + "/" + blob)
                }
            }
            for blob in present where !referenced.contains(blob) {
                unlink(staging + "/" + bucket.blobsDirectory + "/" + blob)
            }
        }

        // 4. Other files, as they are.
        for relative in scan.plainFiles {
            try BackupFileIO.makeDirectory(((staging + "/" + relative) as NSString).deletingLastPathComponent)
            _ = try BackupFileIO.copy(stateDirectory + "/" + relative, staging + "/" + relative)
        }

        // 5. Checksums (each file fsynced on the way), directories fsynced, the manifest last.
        let (files, directories) = BackupFileIO.walk(staging)
        var entries: [BackupManifest.File] = []
        for relative in files where relative != Self.creatingMarker {
            let (hash, size) = try BackupFileIO.sha256(staging + "/" + relative, sync: true)
            entries.append(.init(path: relative, size: size, sha256: hash))
        }
        for dir in directories.reversed() { try BackupFileIO.syncDirectory(staging + "/" + dir) }
        let manifest = BackupManifest(
            formatVersion: BackupManifest.currentFormatVersion, id: id, createdAt: createdAt, pointInTime: pointInTime,
            windowEnd: windowEnd, source: stateDirectory, blobs: sameFileSystem ? "hardlink" : "copy",
            files: entries, databases: databases
        )
        let data = try BackupManifest.encoder.encode(manifest)
        let manifestPath = staging + "/" + BackupManifest.fileName
        guard FileManager.default.createFile(atPath: manifestPath, contents: nil) else { throw BackupFileIO.failure("creating", manifestPath) }
        let fd = open(manifestPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
        if fd < 0 { throw BackupFileIO.failure("creating", manifestPath) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != data.count { throw BackupFileIO.failure("writing", manifestPath, errno: written < 0 ? errno : ENOSPC) }
        if fsync(fd) != 0 { throw BackupFileIO.failure("syncing", manifestPath) }
        return manifest
    }

    /// Links (or copies) `relative` from the state into the backup.
    private func place(_ relative: String, into staging: String, link: Bool) throws -> BackupFileIO.LinkOutcome {
        let source = stateDirectory + "/" + relative, target = staging + "/" + relative
        if link {
            let outcome = try BackupFileIO.link(source, target)
            if outcome != .crossDevice { return outcome }
        }
        return try BackupFileIO.copy(source, target)
    }

    /// The blob ids the R2 metadata at `path` names: object segments and pending multipart parts.
    private func referencedBlobs(_ path: String) throws -> Set<String> {
        do {
            let db = try SQLiteConnection(path: path, readOnly: true)
            return Set(try db.query("SELECT blob_id FROM segments UNION SELECT blob_id FROM parts").compactMap { $0.first?.string })
        } catch {
            throw BackupError("\(path): cannot read the R2 metadata of the snapshot: \(error)")
        }
    }

    /// One read transaction per database is held at once: allow as many files as the hard limit does.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
