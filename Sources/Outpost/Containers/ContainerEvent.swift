/// What the supervisor tells its owner (the Container Durable Object layer) about an instance.
public enum ContainerEvent: Sendable {
    /// The process runs (pid known), its port not yet answering.
    case started(className: String, instanceID: String, pid: Int32)
    /// The port answered: `onStart`.
    case healthy(className: String, instanceID: String)
    /// The process ended: `onStop(exitCode, reason)`. Sent exactly once per process.
    case stopped(className: String, instanceID: String, exit: ContainerExit)
    /// A start failed: `onError`.
    case startFailed(className: String, instanceID: String, error: ContainerError)
}
