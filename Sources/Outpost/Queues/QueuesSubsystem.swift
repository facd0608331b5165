public import ServiceLifecycle

/// Queues for a runtime: one store (`queues.sqlite`), a `Queue` per `[[queues.producers]]` binding
/// and a `QueueConsumer` service per `[[queues.consumers]]` entry.
public struct QueuesSubsystem: RuntimeSubsystem {
    public let store: QueueStore
    public let bindings: [String: any Sendable]
    public let consumers: [QueueConsumer]

    public var services: [any Service] { consumers }

    /// - Parameters:
    ///   - bindings: `producers(config:store:)`, made before `env` so that it can hold them.
    ///   - env: the Worker's env, for the consumers.
    init(context: RuntimeContext, store: QueueStore, bindings: [String: any Sendable], env: Env) {
        self.store = store
        self.bindings = bindings
        self.consumers = context.config.queueConsumers.map { QueueConsumer(config: $0, store: store, context: context, env: env) }
    }

    /// A `Queue` per `[[queues.producers]]` binding.
    static func producers(config: WranglerConfig, store: QueueStore) -> [String: any Sendable] {
        var bindings: [String: any Sendable] = [:]
        for p in config.queueProducers {
            bindings[p.binding] = store.queue(named: p.queue, deliveryDelay: p.deliveryDelay)
        }
        return bindings
    }
}

extension Env {
    /// The queue producer bound as `name` (`[[queues.producers]] binding`).
    public func queue(_ name: String) throws -> Queue {
        try binding(name, as: Queue.self, kind: "queue producer")
    }
}
