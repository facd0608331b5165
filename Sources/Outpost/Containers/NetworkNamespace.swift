import COutpostSys
import Foundation
import Glibc

/// An open handle on a process's network namespace (kept open so the namespace outlives pid reuse).
final class NetworkNamespace: Sendable {
    let fd: Int32

    /// The runtime's own namespace, to return to.
    static let host: Int32 = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)

    private init(fd: Int32) { self.fd = fd }

    /// A new namespace made by the runtime itself, with only `lo`, up. An instance then joins it
    /// (`--netns-fd`) instead of making its own, so what the runtime listens on inside it (the
    /// egress proxy) is there before the instance's first instruction. Needs CAP_SYS_ADMIN.
    static func create() throws(ContainerError) -> NetworkNamespace {
        // unshare moves only the calling thread; it returns to the host's namespace before anything can suspend.
        guard outpost_unshare_net() == 0 else {
            throw ContainerError(.spawnFailed, "Cannot create a network namespace.", cause: String(cString: strerror(errno)))
        }
        // Above the descriptors a spawn sets up (0…5), so no dup2 of the spawn overwrites it first.
        let opened = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let fd = opened < 0 ? opened : fcntl(opened, F_DUPFD_CLOEXEC, 10)
        if opened >= 0 { close(opened) }
        let failure = fd < 0 ? errno : outpost_loopback_up() == 0 ? 0 : errno
        guard outpost_setns_net(Self.host) == 0 else {
            fatalError("outpost: cannot return to the runtime's network namespace: \(String(cString: strerror(errno)))")
        }
        guard failure == 0 else {
            if fd >= 0 { close(fd) }
            throw ContainerError(.spawnFailed, "Cannot set up a network namespace.", cause: String(cString: strerror(failure)))
        }
        return NetworkNamespace(fd: fd)
    }

    init(pid: Int32) throws(ContainerError) {
        fd = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ContainerError(.connectionLost, "Cannot open the network namespace of process \(pid).", cause: String(cString: strerror(errno)))
        }
    }

    deinit { close(fd) }

    /// True when `pid` runs in a namespace other than the runtime's.
    static func isSeparate(pid: Int32) -> Bool {
        let mine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? ""
        let theirs = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")) ?? mine
        return mine != theirs
    }

    /// Runs `body` (synchronous, no suspension) on this thread while it is inside the namespace.
    func withEntered<T>(_ body: () -> T) throws(ContainerError) -> T {
        guard outpost_setns_net(fd) == 0 else {
            throw ContainerError(.connectionLost, "Cannot enter the container's network namespace.", cause: String(cString: strerror(errno)))
        }
        let result = body()
        guard outpost_setns_net(Self.host) == 0 else {
            // This thread would stay in the container's namespace: nothing safe is left to do.
            fatalError("outpost: cannot return to the runtime's network namespace: \(String(cString: strerror(errno)))")
        }
        return result
    }
}
