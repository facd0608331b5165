public import ServiceLifecycle

/// One part of the runtime (KV, R2, Durable Objects, Queues, Containers…): it contributes
/// bindings to `env` and, optionally, long-lived services.
public protocol RuntimeSubsystem: Sendable {
    /// Bindings by name, added to `env`.
    var bindings: [String: any Sendable] { get }
    /// Services to run beside the HTTP front (dispatchers, schedulers). Storage-only subsystems return none.
    var services: [any Service] { get }
    /// Called once every service has stopped: close files here.
    func close()
}

extension RuntimeSubsystem {
    public var services: [any Service] { [] }
    public func close() {}
}
