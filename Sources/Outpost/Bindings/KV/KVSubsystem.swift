/// KV for a runtime: one store, a `KVNamespace` per `[[kv_namespaces]]` binding.
public struct KVSubsystem: RuntimeSubsystem {
    public let store: KVStore
    public let bindings: [String: any Sendable]

    public init(config: WranglerConfig, stateDirectory: String, clock: RuntimeClock, metrics: Metrics = Metrics()) throws {
        let store = try KVStore(stateDirectory: stateDirectory, clock: clock, metrics: metrics)
        self.store = store
        var bindings: [String: any Sendable] = [:]
        for ns in config.kvNamespaces {
            bindings[ns.binding] = store.namespace(id: ns.id)
        }
        self.bindings = bindings
    }
}

extension Env {
    /// The KV namespace bound as `name` (`[[kv_namespaces]] binding`).
    public func kv(_ name: String) throws -> KVNamespace {
        try binding(name, as: KVNamespace.self, kind: "KV namespace")
    }
}
