import COutpostSys

/// The disk space a directory tree takes, for the scratch-directory limit.
enum DiskUsage {
    /// Bytes allocated (st_blocks × 512) to everything under `path`, without following symlinks
    /// or crossing into other filesystems; 0 when `path` is gone. Blocking: call it off the pool.
    static func bytes(under path: String) -> Int64 {
        Int64(outpost_disk_usage(path))
    }
}
