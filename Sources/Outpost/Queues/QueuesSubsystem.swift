public import ServiceLifecycle

/// Queues for a runtime: one store (`queues.sqlite`), a `Queue` per `[[queues.producers]]` binding
/// and a `QueueConsumer` service per `[[queues.consumers]]` entry.
public struct QueuesSubsystem: RuntimeSubsystem {
    public let store: QueueStore
    public let bindings: [String: any Sendable]
    public let consumers: [QueueConsumer]

    public var services: [any Service] { consumers }

    init(context: RuntimeContext) throws {
        let store = try QueueStore(stateDirectory: context.stateDirectory, clock: context.clock)
        self.store = store
        var bindings: [String: any Sendable] = [:]
        for p in context.config.queueProducers {
            bindings[p.binding] = store.queue(named: p.queue, deliveryDelay: p.deliveryDelay)
        }
        self.bindings = bindings
        self.consumers = context.config.queueConsumers.map { QueueConsumer(config: $0, store: store, context: context) }
    }
}

extension Env {
    /// The queue producer bound as `name` (`[[queues.producers]] binding`).
    public func queue(_ name: String) throws -> Queue {
        try binding(name, as: Queue.self, kind: "queue producer")
    }
}
