import Foundation
import COutpostSys
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The runtime's egress proxy for one container instance: the only way out of an instance that
/// has its own network namespace (see `EgressPolicy.isRestricted`).
///
/// Its listening socket is created inside the instance's namespace (the thread enters it with
/// setns, as `ContainerConnector` does, and returns at once), on 127.0.0.1:`port`; the runtime's
/// event loops serve it from the host namespace. So the instance reaches it as a local HTTP proxy
/// (`HTTP_PROXY`/`HTTPS_PROXY` in its environment), while every upstream connection the proxy opens
/// starts in the host namespace. It serves absolute-form HTTP requests and `CONNECT` tunnels, asks
/// `policy` about each host, and answers a blocked one with 520 (`EgressProxyHandler`).
///
/// It lives as long as the instance's process: the supervisor starts it right after the spawn and
/// closes it (listener and every open connection) when the process ends or the runtime shuts down.
final class EgressProxy: Sendable {
    /// The port inside the instance's namespace, unless the instance declared it.
    static let preferredPort = 3128

    let port: Int
    let policy: EgressPolicy
    private let server: any Channel
    private let connections: NIOLockedValueBox<(open: [ObjectIdentifier: any Channel], closed: Bool)>

    private init(port: Int, policy: EgressPolicy, server: any Channel,
                 connections: NIOLockedValueBox<(open: [ObjectIdentifier: any Channel], closed: Bool)>) {
        self.port = port
        self.policy = policy
        self.server = server
        self.connections = connections
    }

    /// The proxy's port for an instance serving `declaredPorts`: `preferredPort` or the next one free of them.
    static func port(avoiding declaredPorts: [Int]) -> Int {
        (preferredPort...).first { !declaredPorts.contains($0) }!
    }

    /// The variables that point the instance's HTTP clients at the proxy, and `OUTPOST_EGRESS_PROXY`,
    /// which says the instance's only way out is this proxy (nested sandboxes may share it).
    ///
    /// `NO_PROXY` keeps the loopback names off the proxy: inside the namespace they mean the instance
    /// itself. A name that `allowedHosts` lists outright (`localhost`, `127.0.0.1`; not a wildcard)
    /// means the host's loopback instead, a local model server say, so it goes through the proxy.
    static func environment(port: Int, policy: EgressPolicy) -> [String: String] {
        let url = "http://127.0.0.1:\(port)"
        let named = Set(policy.allowedHosts.map { $0.text.lowercased() })
        let noProxy = ["localhost", "127.0.0.1"].filter { !named.contains($0) }.joined(separator: ",")
        return ["HTTP_PROXY": url, "HTTPS_PROXY": url, "http_proxy": url, "https_proxy": url,
                "NO_PROXY": noProxy, "no_proxy": noProxy, "OUTPOST_EGRESS_PROXY": url]
    }

    /// Listens on 127.0.0.1:`port` inside `namespace` and starts serving.
    /// - Parameter instance: "Class/id", for the log lines of blocked requests.
    static func start(namespace: NetworkNamespace, port: Int, policy: EgressPolicy, group: any EventLoopGroup,
                      logger: Logger, instance: String) async throws(ContainerError) -> EgressProxy {
        let fd = try namespace.withEntered { Self.listeningSocket(port: port) }
        guard fd >= 0 else {
            throw ContainerError(.spawnFailed, "Cannot open the egress proxy on port \(port) in the container's network namespace.",
                                 cause: String(cString: strerror(-fd)))
        }
        let connections = NIOLockedValueBox<(open: [ObjectIdentifier: any Channel], closed: Bool)>(([:], false))
        do {
            let server = try await ServerBootstrap(group: group)
                .childChannelInitializer { child in
                    let accepted = connections.withLockedValue { state in
                        guard !state.closed else { return false }
                        state.open[ObjectIdentifier(child)] = child
                        return true
                    }
                    guard accepted else { return child.close() }
                    child.closeFuture.whenComplete { _ in
                        _ = connections.withLockedValue { $0.open.removeValue(forKey: ObjectIdentifier(child)) }
                    }
                    return child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(
                            EgressProxyHandler(policy: policy, group: group, logger: logger, instance: instance))
                    }
                }
                .withBoundSocket(fd)
                .get()
            return EgressProxy(port: port, policy: policy, server: server, connections: connections)
        } catch {
            Glibc.close(fd)
            throw ContainerError(.spawnFailed, "Cannot serve the egress proxy.", cause: "\(error)")
        }
    }

    /// Stops listening and closes every open connection (each closes its upstream side).
    func close() {
        server.close(promise: nil)
        let open = connections.withLockedValue { state in
            state.closed = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for channel in open { channel.close(promise: nil) }
    }

    /// A bound, listening, non-blocking TCP socket on 127.0.0.1:`port` of the calling thread's
    /// namespace, or -errno.
    private static func listeningSocket(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return -errno }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let e = errno
            Glibc.close(fd)
            return -e
        }
        return fd
    }
}
