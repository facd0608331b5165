import CSeccomp
import Glibc

/// Builds the instance's root: a read-only tmpfs holding read-only binds of the system directories,
/// a filtered /etc, a minimal /dev, a fresh /proc and the scratch directory (read-write) at
/// `/scratch` and `/tmp`; then pivots into it and detaches the host's tree.
///
/// Runs in the instance's init (pid 1 of its pid namespace) inside its own mount namespace. Host
/// paths are reached through `/oldroot` while the new root is built at `/newroot` (bubblewrap's way:
/// a first pivot onto a tmpfs keeps every host path reachable, even those under /tmp).
struct FilesystemView {
    static let scratchPath = "/scratch"
    /// System directories bound read-only when present (or recreated as the same symlinks).
    static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
    /// Harmless /etc files, copied (a symlink's target content) into the new /etc.
    static let etcFiles = ["hosts", "resolv.conf", "nsswitch.conf", "host.conf", "gai.conf", "ld.so.cache", "ld.so.conf",
                           "localtime", "timezone", "mime.types", "protocols", "services", "networks", "os-release",
                           "debian_version", "ssl/openssl.cnf", "ca-certificates.conf", "magic"]
    /// /etc directories bound read-only (never /etc/ssl/private).
    static let etcDirectories = ["ld.so.conf.d", "ssl/certs", "fonts", "alternatives", "ImageMagick-6", "mime"]
    /// Other read-only directories useful to libraries when present.
    static let extraDirectories = ["/var/cache/fontconfig"]
    static let devices = ["null", "zero", "full", "random", "urandom", "tty"]
    /// The sandbox's own directories: nothing from the host can be mapped under them.
    static let reservedPaths = [scratchPath, "/tmp", "/proc", "/dev", "/etc"]
    /// Where an image whose host path lies under a reserved directory (a build under /tmp) is mapped.
    static let imageDirectory = "/image"

    let scratch: String
    /// The image's host path.
    let executable: String
    let readOnlyPaths: [String]
    let identity: Identity
    /// From `swiftRuntimeDirectory()`, read before the first pivot.
    let swiftRuntime: String?
    /// The instance's delegated cgroup directories, bound read-write (see `CgroupDelegation`).
    var cgroupDirectories: [CgroupDelegation.Directory] = []

    /// The image's path inside the view: its host path, or `/image/<name>` when that path lies
    /// under one of the sandbox's own directories.
    var mappedExecutable: String {
        guard Self.reservedPaths.contains(where: { isUnder(executable, [$0]) }) else { return executable }
        return Self.imageDirectory + "/" + (executable.split(separator: "/").last.map(String.init) ?? "image")
    }

    func build() {
        mount(nil, "/", nil, OUTPOST_MS_REC | OUTPOST_MS_PRIVATE, "making / private")
        mount("tmpfs", "/tmp", "tmpfs", OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV, "mounting the staging tmpfs", data: "mode=0755,size=64k")
        makeDirectory("/tmp/oldroot")
        if outpost_pivot_root("/tmp", "/tmp/oldroot") != 0 { fail("pivot_root", "onto the staging tmpfs", errno: errno) }
        if chdir("/") != 0 { fail("pivot_root", "chdir /", errno: errno) }

        makeDirectory("/newroot")
        mount("tmpfs", "/newroot", "tmpfs", OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV, "mounting the root tmpfs", data: "mode=0755,size=1m")

        var bound: [String] = []
        for path in Self.systemPaths {
            var st = stat()
            guard lstat("/oldroot" + path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                guard let target = readLink("/oldroot" + path) else { fail("mount", "reading the symlink \(path)", errno: errno) }
                if symlink(target, "/newroot" + path) != 0 { fail("mount", "symlink \(path)", errno: errno) }
            } else {
                bindReadOnly(path)
                bound.append(path)
            }
        }
        if let swift = swiftRuntime, !isUnder(swift, bound) {
            bindReadOnly(swift)
            bound.append(swift)
        }
        buildEtc()
        for path in Self.extraDirectories where exists("/oldroot" + path) { bindReadOnly(path) }
        for path in readOnlyPaths {
            if let reserved = Self.reservedPaths.first(where: { isUnder(path, [$0]) }) {
                fail("mount", "cannot map read-only path \(path): \(reserved) is the sandbox's own")
            }
        }
        for path in readOnlyPaths {
            guard exists("/oldroot" + path) else { fail("mount", "read-only path \(path) does not exist on the host") }
            bindReadOnly(path)
            bound.append(path)
        }
        if !isUnder(mappedExecutable, bound) {
            var st = stat()
            guard stat("/oldroot" + executable, &st) == 0 else { fail("mount", "cannot map the image \(executable)", errno: errno) }
            guard st.st_mode & S_IFMT == S_IFREG else { fail("mount", "cannot map the image \(executable): not a regular file") }
            bindReadOnly(executable, at: mappedExecutable, what: "the image")
        }
        buildDev()
        for dir in cgroupDirectories {
            // The bind keeps the cgroup mount's own flags (nosuid, nodev, noexec).
            makeDirectory("/newroot" + dir.viewPath)
            mount("/oldroot" + dir.host, "/newroot" + dir.viewPath, nil, OUTPOST_MS_BIND, "binding the delegated cgroup \(dir.host)")
        }

        makeDirectory("/newroot/proc")
        mount("proc", "/newroot/proc", "proc", OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV | OUTPOST_MS_NOEXEC, "mounting /proc")
        for path in [Self.scratchPath, "/tmp"] {
            makeDirectory("/newroot" + path)
            mount("/oldroot" + scratch, "/newroot" + path, nil, OUTPOST_MS_BIND | OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV,
                  "binding the scratch directory \(scratch) at \(path)")
        }
        mount(nil, "/newroot", nil, OUTPOST_MS_REMOUNT | OUTPOST_MS_BIND | OUTPOST_MS_RDONLY | OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV,
              "making the root read-only")

        if chdir("/newroot") != 0 { fail("pivot_root", "chdir /newroot", errno: errno) }
        if outpost_pivot_root(".", ".") != 0 { fail("pivot_root", "into the new root", errno: errno) }
        if umount2(".", OUTPOST_MNT_DETACH) != 0 { fail("pivot_root", "detaching the host's tree", errno: errno) }
        if chdir(Self.scratchPath) != 0 { fail("scratch", "chdir \(Self.scratchPath)", errno: errno) }
    }

    private func buildEtc() {
        makeDirectory("/newroot/etc")
        makeDirectory("/newroot/etc/ssl")
        for name in Self.etcFiles { copy("/oldroot/etc/" + name, to: "/newroot/etc/" + name) }
        for name in Self.etcDirectories where exists("/oldroot/etc/" + name) { bindReadOnly("/etc/" + name) }
        let (uid, gid) = (identity.uid, identity.gid)
        create("/newroot/etc/passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n"
               + (uid == 0 ? "" : "container:x:\(uid):\(gid):container:\(Self.scratchPath):/usr/sbin/nologin\n")
               + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
        create("/newroot/etc/group", "root:x:0:\n" + (gid == 0 ? "" : "container:x:\(gid):\n") + "nogroup:x:65534:\n")
        create("/newroot/etc/hostname", "container\n")
    }

    private func buildDev() {
        makeDirectory("/newroot/dev")
        mount("tmpfs", "/newroot/dev", "tmpfs", OUTPOST_MS_NOSUID | OUTPOST_MS_NOEXEC, "mounting /dev", data: "mode=0755,size=64k")
        for name in Self.devices {
            create("/newroot/dev/" + name, "")
            mount("/oldroot/dev/" + name, "/newroot/dev/" + name, nil, OUTPOST_MS_BIND, "binding /dev/\(name)")
        }
        for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                               ("stderr", "/proc/self/fd/2")] {
            if symlink(target, "/newroot/dev/" + name) != 0 { fail("mount", "symlink /dev/\(name)", errno: errno) }
        }
        makeDirectory("/newroot/dev/shm")
        mount("tmpfs", "/newroot/dev/shm", "tmpfs", OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV, "mounting /dev/shm", data: "mode=1777")
        mount(nil, "/newroot/dev", nil, OUTPOST_MS_REMOUNT | OUTPOST_MS_BIND | OUTPOST_MS_RDONLY | OUTPOST_MS_NOSUID | OUTPOST_MS_NOEXEC,
              "making /dev read-only")
    }

    /// Binds host `path` read-only at the same path in the new root (or at `at`), creating the mount point.
    private func bindReadOnly(_ path: String, at mapped: String? = nil, what: String = "") {
        let source = "/oldroot" + path, target = "/newroot" + (mapped ?? path)
        var st = stat()
        guard stat(source, &st) == 0 else { fail("mount", "cannot map \(what.isEmpty ? "" : what + " ")\(path)", errno: errno) }
        makeDirectory(parent(of: target))
        if st.st_mode & S_IFMT == S_IFDIR { makeDirectory(target) } else { create(target, "") }
        let label = what.isEmpty ? path : "\(what) \(path)"
        mount(source, target, nil, OUTPOST_MS_BIND | OUTPOST_MS_REC, "cannot map \(label)")
        // A read-only remount must keep the flags the source mount has locked (in a user namespace).
        var fs = statvfs()
        var flags = OUTPOST_MS_REMOUNT | OUTPOST_MS_BIND | OUTPOST_MS_RDONLY | OUTPOST_MS_NOSUID | OUTPOST_MS_NODEV
        if statvfs(target, &fs) == 0 {
            // statvfs's ST_* bits (GNU-only names): noexec 8, noatime 1024, nodiratime 2048, relatime 4096.
            let f = UInt(fs.f_flag)
            if f & 8 != 0 { flags |= OUTPOST_MS_NOEXEC }
            if f & 1024 != 0 { flags |= OUTPOST_MS_NOATIME }
            if f & 2048 != 0 { flags |= OUTPOST_MS_NODIRATIME }
            if f & 4096 != 0 { flags |= OUTPOST_MS_RELATIME }
        }
        mount(nil, target, nil, flags, "making \(label) read-only")
    }

    private func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ what: String, data: String? = nil) {
        let rc = data.map { d in d.withCString { Glibc.mount(source, target, type, flags, $0) } } ?? Glibc.mount(source, target, type, flags, nil)
        if rc != 0 { fail("mount", what, errno: errno) }
    }

    private func makeDirectory(_ path: String) {
        var st = stat()
        if stat(path, &st) == 0 { return }
        let up = parent(of: path)
        if up != path { makeDirectory(up) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { fail("mount", "mkdir \(path)", errno: errno) }
    }

    private func create(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { fail("mount", "creating \(path)", errno: errno) }
        defer { close(fd) }
        if !text.isEmpty, (text.withCString { write(fd, $0, strlen($0)) }) < 0 { fail("mount", "writing \(path)", errno: errno) }
    }

    /// Copies a host file (following symlinks) when it exists; plain bytes, no text decoding.
    private func copy(_ source: String, to target: String) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        if input < 0 { return }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if output < 0 { fail("mount", "creating \(target)", errno: errno) }
        defer { close(output) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, 65536)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            if write(output, buffer, n) != n { fail("mount", "writing \(target)", errno: errno) }
        }
    }

    private func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    private func isUnder(_ path: String, _ roots: [String]) -> Bool {
        roots.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    private func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory of the Swift runtime this launcher runs on (nil when linked statically): the
    /// images are products of the same build, so they need the same libraries.
    static func swiftRuntimeDirectory() -> String? {
        guard let maps = readFile("/proc/self/maps", trimming: false) else { return nil }
        for line in maps.split(separator: "\n") where line.hasSuffix("/libswiftCore.so") {
            guard let start = line.firstIndex(of: "/"), let slash = line.lastIndex(of: "/") else { continue }
            return String(line[start..<slash])
        }
        return nil
    }
}
