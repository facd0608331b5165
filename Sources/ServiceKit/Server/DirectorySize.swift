#if canImport(Glibc)
import Glibc
#endif
// `struct stat`'s members are owned by the first Clang module that read <sys/stat.h>, which in
// this target is NIO's CNIOLinux (MemberImportVisibility then asks for it by name).
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// The bytes of the regular files under a directory, by one `fstatat` per entry (a walk of
/// thousands of files stays a few milliseconds). Symbolic links are not followed.
enum DirectorySize {
    /// The total under `directory` (0 when it cannot be opened); nil past `maxEntries` entries.
    static func bytes(under directory: String, maxEntries: Int) -> Int64? {
        var total: Int64 = 0
        var entries = 0
        var pending = [directory]
        while let path = pending.popLast() {
            guard let handle = opendir(path) else { continue }
            defer { closedir(handle) }
            let fd = dirfd(handle)
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                if name == "." || name == ".." { continue }
                entries += 1
                if entries > maxEntries { return nil }
                var info = stat()
                guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path + "/" + name)
                case S_IFREG: total += Int64(info.st_size)
                default: break
                }
            }
        }
        return total
    }
}
