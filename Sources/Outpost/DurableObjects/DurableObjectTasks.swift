public import ServiceLifecycle
import NIOConcurrencyHelpers

/// The background operations of every Durable Object (`state.waitUntil`), as a Service.
///
/// It runs after the HTTP front (`Runtime.stopFirstServices`), so a graceful shutdown tells it
/// first: it cancels the operations and waits for them before the front drains, containers stop
/// and storage closes — an operation sees cancellation, not a vanished container, and streams
/// fed by operations end instead of holding the front open.
public final class DurableObjectTasks: Service, Sendable {
    private struct State {
        var next = 0
        var running: [Int: Task<Void, Never>] = [:]
        var draining = false
    }
    private let state = NIOLockedValueBox(State())

    init() {}

    /// Starts `operation`; cancelled at once when the runtime is already shutting down.
    @discardableResult
    func start(_ operation: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        state.withLockedValue { s in
            let id = s.next
            s.next += 1
            let task = Task { [weak self] in
                await operation()
                _ = self?.state.withLockedValue { $0.running.removeValue(forKey: id) }
            }
            if s.draining { task.cancel() } else { s.running[id] = task }
            return task
        }
    }

    /// How many operations are running.
    public var count: Int { state.withLockedValue { $0.running.count } }

    public func run() async {
        try? await gracefulShutdown()
        await cancelAll()
    }

    /// Cancels every operation and waits for them to end.
    public func cancelAll() async {
        let tasks = state.withLockedValue { s in
            s.draining = true
            return Array(s.running.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
