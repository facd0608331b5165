import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Keep-alive connections to one instance, so warm requests skip the TCP handshake.
final class ContainerConnectionPool: Sendable {
    let connector: ContainerConnector
    let group: any EventLoopGroup
    let maxIdle: Int
    private let state = NIOLockedValueBox<(idle: [HTTPConnection], closed: Bool)>(([], false))
    /// Every open connection, idle or in use, so a runtime shutdown can end the exchanges in flight.
    private let open = NIOLockedValueBox<[ObjectIdentifier: HTTPConnection]>([:])

    init(connector: ContainerConnector, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdle: Int = 32) {
        self.connector = connector
        self.group = group
        self.maxIdle = maxIdle
    }

    /// An idle connection if one is alive, else a new one; `reused` says which.
    func acquire() async throws -> (connection: HTTPConnection, reused: Bool) {
        while let idle = state.withLockedValue({ $0.idle.popLast() }) {
            if idle.isActive { return (idle, true) }
            idle.close()
        }
        if state.withLockedValue({ $0.closed }) { throw ContainerError(.notRunning, "The container instance has stopped.") }
        return (try await connect(), false)
    }

    func connect() async throws -> HTTPConnection {
        let fd = try connector.connectSocket()
        do {
            let connection = try await HTTPConnection.open(socket: fd, group: group)
            let id = ObjectIdentifier(connection)
            open.withLockedValue { $0[id] = connection }
            connection.channel.closeFuture.whenComplete { [open] _ in open.withLockedValue { _ = $0.removeValue(forKey: id) } }
            return connection
        } catch {
            throw ContainerError(.connectionLost, "Cannot open a connection to the container.", cause: "\(error)")
        }
    }

    /// Returns a connection after a complete exchange; anything else is closed.
    func release(_ connection: HTTPConnection, reusable: Bool) {
        let keep = reusable && connection.isActive && state.withLockedValue { s in
            guard !s.closed, s.idle.count < maxIdle else { return false }
            s.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }

    /// Closes every connection, the ones in use too, and refuses new ones: at a runtime shutdown,
    /// a service then sees its clients gone and cancels their jobs instead of finishing them, so it
    /// exits on SIGTERM at once (the jobs stay `running` and are dispatched again after the restart).
    func closeAll() {
        close()
        for connection in open.withLockedValue({ Array($0.values) }) { connection.close() }
    }

    /// Closes every idle connection and refuses new ones.
    func close() {
        let idle = state.withLockedValue { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        for c in idle { c.close() }
    }
}
