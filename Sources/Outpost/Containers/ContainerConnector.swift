import COutpostSys
import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Opens TCP connections to an instance's port on 127.0.0.1, from inside its network namespace
/// when it has one (`enableInternet = false`).
///
/// A socket belongs to the namespace it was created in, whatever thread later uses it. So the
/// calling thread briefly enters the instance's namespace (setns), creates the socket, and returns
/// to the runtime's namespace before doing anything else; connect() then reaches the service's
/// own loopback. The instance keeps no listener in the host namespace, so ordinary services that
/// bind 127.0.0.1:$PORT work unchanged, and nothing on the host can reach them but the runtime.
struct ContainerConnector: Sendable {
    let port: Int
    let namespace: NetworkNamespace?
    var connectTimeoutMilliseconds = 2000

    /// A connected, non-blocking TCP socket (NIO takes it over).
    func connectSocket() throws(ContainerError) -> Int32 {
        let fd: Int32
        if let namespace {
            fd = try namespace.withEntered { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        } else {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        guard fd >= 0 else { throw ContainerError(.connectionLost, "Cannot create a socket.", cause: String(cString: strerror(errno))) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        // Non-blocking, so a service whose accept backlog is full cannot hold this thread for long.
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var e = rc == 0 ? 0 : errno
        if rc != 0 && e == EINPROGRESS {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            rc = poll(&p, 1, Int32(connectTimeoutMilliseconds))
            if rc == 1 {
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                e = soError
            } else {
                e = ETIMEDOUT
            }
        }
        guard e == 0 else {
            close(fd)
            throw ContainerError(.connectionLost, "Cannot connect to the container on port \(port).", cause: String(cString: strerror(e)))
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}
