import Glibc

/// The launcher's command line (see main.swift for the flags).
struct LauncherOptions {
    /// The instance's scratch directory on the host.
    var dir: String?
    var env: [String] = []
    var cgroupProcs: [String] = []
    var rlimits: [(Int32, UInt64)] = []
    var noNetwork = false
    /// With `noNetwork`: a namespace the runtime made to join, instead of making one.
    var networkNamespaceFD: Int32 = -1
    var seccomp = true
    /// false only for the benchmark's baseline: no user, mount or pid isolation.
    var isolation = true
    /// The service may build its own (stricter) sandboxes: user, mount, pid and net namespaces.
    var nested = false
    /// Extra host paths the service sees read-only at the same path.
    var readOnlyPaths: [String] = []
    /// A descriptor the service inherits (and finds named in `OUTPOST_READY_FD`) to say it listens.
    var readyFD: Int32 = -1
    var program: [String] = []

    static func rlimitResource(_ name: Substring) -> Int32? {
        switch name {
        case "as": Int32(RLIMIT_AS.rawValue)
        case "data": Int32(RLIMIT_DATA.rawValue)
        case "fsize": Int32(RLIMIT_FSIZE.rawValue)
        case "nofile": Int32(RLIMIT_NOFILE.rawValue)
        case "nproc": Int32(__RLIMIT_NPROC.rawValue)
        case "core": Int32(RLIMIT_CORE.rawValue)
        default: nil
        }
    }

    /// Started through a link of this name, the launcher runs without isolation, as with
    /// `--no-isolation`: the benchmark's baseline runs through the same supervisor that way.
    static let baselineName = "outpost-sandbox-no-isolation"

    static func parse(_ args: ArraySlice<String>, invokedAs name: String) -> LauncherOptions {
        var o = LauncherOptions()
        if name.split(separator: "/").last.map(String.init) == baselineName { o.isolation = false }
        var it = args.makeIterator()
        func value(_ flag: String) -> String {
            guard let v = it.next() else { fail("options", "\(flag) needs a value") }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--dir": o.dir = value(a)
            case "--env": o.env.append(value(a))
            case "--cgroup-procs": o.cgroupProcs.append(value(a))
            case "--rlimit":
                let v = value(a)
                let parts = v.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let res = rlimitResource(parts[0]), let n = UInt64(parts[1]) else {
                    fail("options", "bad --rlimit \(v)")
                }
                o.rlimits.append((res, n))
            case "--no-network": o.noNetwork = true
            case "--no-seccomp": o.seccomp = false
            case "--no-isolation": o.isolation = false
            case "--nested": o.nested = true
            case "--ro-bind":
                let v = value(a)
                guard v.hasPrefix("/") else { fail("options", "--ro-bind needs an absolute path, got \(v)") }
                o.readOnlyPaths.append(v)
            case "--netns-fd":
                let v = value(a)
                guard let fd = Int32(v) else { fail("options", "bad --netns-fd \(v)") }
                o.networkNamespaceFD = fd
            case "--lifeline-fd":
                let v = value(a)
                guard let fd = Int32(v) else { fail("options", "bad --lifeline-fd \(v)") }
                lifelineFD = fd
            case "--ready-fd":
                let v = value(a)
                guard let fd = Int32(v), fd > 2 else { fail("options", "bad --ready-fd \(v)") }
                o.readyFD = fd
            case "--status-fd":
                let v = value(a)
                guard let fd = Int32(v) else { fail("options", "bad --status-fd \(v)") }
                statusFD = fd
            case "--":
                while let p = it.next() { o.program.append(p) }
            default: fail("options", "unknown option \(a)")
            }
        }
        if o.program.isEmpty { fail("options", "no program after --") }
        if o.readyFD >= 0 { o.env.append("\(ReadinessNotice.environmentName)=\(o.readyFD)") }
        return o
    }
}
