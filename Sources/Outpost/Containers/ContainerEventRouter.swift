import Logging
import ServiceLifecycle

/// Delivers supervisor events to the owning Container object's hooks (`onStart`, `onStop`,
/// `onError`): the Durable Objects side of the containers subsystem's event sink.
///
/// Each hook runs as an event of the object, through its host, so an evicted object is rebuilt
/// for it. Events are delivered one at a time in the order the supervisor reported them. Run it
/// before the supervisor in the service group: on shutdown it stops after the supervisor, so the
/// `onStop` of every instance stopped by the shutdown is still delivered.
final class ContainerEventRouter: Service, Sendable {
    let hosts: [String: DurableObjectHost]
    private let events: AsyncStream<ContainerEvent>
    private let continuation: AsyncStream<ContainerEvent>.Continuation

    /// - Parameter events: the stream whose continuation the supervisor yields its events to.
    init(hosts: [String: DurableObjectHost], events: (stream: AsyncStream<ContainerEvent>, continuation: AsyncStream<ContainerEvent>.Continuation)) {
        self.hosts = hosts
        (self.events, self.continuation) = events
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

    private func deliver(_ event: ContainerEvent) async {
        let className: String, instanceID: String
        switch event {
        case .started: return
        case .healthy(let c, let i), .stopped(let c, let i, _), .startFailed(let c, let i, _): (className, instanceID) = (c, i)
        }
        await hosts[className]?.withContainer(instanceID: instanceID) { await $0.outpostContainerEvent(event) }
    }
}

extension DurableObjectHost {
    /// Runs the `onActivityExpired` of the Container object `instanceID`; false when no Container object could take it.
    func containerActivityExpired(instanceID: String) async -> Bool {
        await withContainer(instanceID: instanceID) { await $0.onActivityExpired() }
    }

    /// Runs `body` on the Container object `instanceID` as one event; false when there is no such
    /// object or it is not a `Container`.
    @discardableResult
    func withContainer(instanceID: String, _ body: @Sendable (any Container) async -> Void) async -> Bool {
        guard let id = try? codec.idFromString(instanceID) else { return false }
        let instance: ObjectInstance
        do {
            instance = try await acquire(id)
        } catch {
            context.logger.warning("Container \(className)/\(instanceID): could not deliver a lifecycle hook: \(error)")
            return false
        }
        // The hook ran even when its commit fails to become durable: nobody waits for its reply.
        let delivered = try? await withEvent(admitted: instance) { instance -> (Result<Bool, any Error>, UInt64) in
            guard let object = instance.object as? any Container else { return (.success(false), 0) }
            await body(object)
            return (.success(true), await object.outpostEndEvent(instance.storage))
        }
        return delivered ?? true
    }
}
