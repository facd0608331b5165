import Foundation

/// What a state directory holds, as a backup sees it: SQLite databases (found by their header,
/// wherever they are, so a new store is never silently missed), R2 buckets with their blob files,
/// and the other files (S3 credentials, logs) that are copied as they are.
///
/// Left out: SQLite's -wal/-shm/-journal files (the online backup reads through them), R2's
/// `.tmp` files (writes not yet committed), and what describes only the running process:
/// `containers/scratch/`, `containers/instances.json` (live pids, which a restored node must
/// not kill) and `containers/status.json`.
struct StateDirectoryScan {
    /// One R2 bucket: `r2/<name>`, with `metadata.sqlite` and `blobs/`.
    struct Bucket {
        let directory: String
        var blobsDirectory: String { directory + "/blobs" }
        var metadata: String { directory + "/metadata.sqlite" }
        /// Blob file names present at the scan.
        var blobs: [String]
    }

    var databases: [String] = []
    var buckets: [Bucket] = []
    var plainFiles: [String] = []

    static let sqliteSidecars = ["-wal", "-shm", "-journal"]
    static let ephemeral = ["containers/instances.json", "containers/status.json"]
    static let ephemeralDirectories = ["containers/scratch/"]

    init(root: String) {
        let (files, directories) = BackupFileIO.walk(root)
        let bucketDirectories = Set(directories.filter { dir in
            let parts = dir.split(separator: "/")
            return parts.count == 2 && parts[0] == "r2" && FileManager.default.fileExists(atPath: root + "/" + dir + "/metadata.sqlite")
        })
        var blobs: [String: [String]] = [:]
        for file in files {
            if Self.ephemeral.contains(file) || Self.ephemeralDirectories.contains(where: { file.hasPrefix($0) }) { continue }
            if Self.sqliteSidecars.contains(where: { file.hasSuffix($0) }) { continue }
            let parent = (file as NSString).deletingLastPathComponent
            if parent.hasSuffix("/blobs"), bucketDirectories.contains((parent as NSString).deletingLastPathComponent) {
                let name = (file as NSString).lastPathComponent
                if !name.hasSuffix(".tmp") { blobs[(parent as NSString).deletingLastPathComponent, default: []].append(name) }
                continue
            }
            if SQLiteOnlineBackup.isDatabase(path: root + "/" + file) {
                databases.append(file)
            } else {
                plainFiles.append(file)
            }
        }
        buckets = bucketDirectories.sorted().map { Bucket(directory: $0, blobs: blobs[$0] ?? []) }
    }
}
