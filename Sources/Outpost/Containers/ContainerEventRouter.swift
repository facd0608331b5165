import Logging
import ServiceLifecycle

/// Delivers supervisor events to the owning Container object's hooks (`onStart`, `onStop`,
/// `onError`) and asks it what to do when its sleepAfter expires (`onActivityExpired`).
///
/// Each hook runs as an event of the object, through its host, so an evicted object is rebuilt
/// for it. Events are delivered one at a time in the order the supervisor reported them. Run it
/// before the supervisor in the service group: on shutdown it stops after the supervisor, so the
/// `onStop` of every instance stopped by the shutdown is still delivered.
final class ContainerEventRouter: Service, Sendable {
    let hosts: [String: DurableObjectHost]
    let logger: Logger
    private let events: AsyncStream<ContainerEvent>
    private let continuation: AsyncStream<ContainerEvent>.Continuation

    init(hosts: [String: DurableObjectHost], logger: Logger) {
        self.hosts = hosts
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: ContainerEvent.self)
    }

    /// The supervisor's `onEvent`.
    func enqueue(_ event: ContainerEvent) {
        continuation.yield(event)
    }

    func run() async throws {
        let continuation = self.continuation
        await withGracefulShutdownHandler {
            for await event in events { await deliver(event) }
        } onGracefulShutdown: {
            // Ends the loop once the events already queued are delivered.
            continuation.finish()
        }
    }

    /// Runs the object's `onActivityExpired`; false when no Container object could take it.
    func activityExpired(className: String, instanceID: String) async -> Bool {
        await withContainer(className: className, instanceID: instanceID) { await $0.onActivityExpired() }
    }

    private func deliver(_ event: ContainerEvent) async {
        let className: String, instanceID: String
        switch event {
        case .started: return
        case .healthy(let c, let i), .stopped(let c, let i, _), .startFailed(let c, let i, _): (className, instanceID) = (c, i)
        }
        await withContainer(className: className, instanceID: instanceID) { await $0.outpostContainerEvent(event) }
    }

    /// Runs `body` on the Container object `instanceID` of `className` as one event; false when
    /// there is no such object or it is not a `Container`.
    @discardableResult
    private func withContainer(className: String, instanceID: String, _ body: @Sendable (any Container) async -> Void) async -> Bool {
        guard let host = hosts[className], let id = try? host.codec.idFromString(instanceID) else { return false }
        let instance: ObjectInstance
        do {
            instance = try await host.acquire(id)
        } catch {
            logger.warning("Container \(className)/\(instanceID): could not deliver a lifecycle hook: \(error)")
            return false
        }
        // The hook ran even when its commit fails to become durable: nobody waits for its reply.
        let delivered = try? await host.withEvent(admitted: instance) { instance -> (Result<Bool, any Error>, UInt64) in
            guard let object = instance.object as? any Container else { return (.success(false), 0) }
            await body(object)
            return (.success(true), await object.outpostEndEvent(instance.storage))
        }
        return delivered ?? true
    }
}
