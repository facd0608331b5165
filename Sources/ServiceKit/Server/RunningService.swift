import ServiceLifecycle

/// A running ``ContainerService``: its port, and a way to stop it as SIGTERM would.
public struct RunningService: Sendable {
    /// The port the service listens on.
    public let port: Int
    let group: ServiceGroup

    /// Starts a graceful shutdown: no new connections, in-flight requests finish, then `run` returns.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }
}
