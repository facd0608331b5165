/// What a deployment runs: the Worker (the default export) and the classes it exports by name.
///
/// `wrangler.toml` refers to these classes by `class_name`; the runtime checks that every
/// class a binding names is here.
public struct WorkerScript: Sendable {
    public var worker: any Worker
    /// Durable Object classes by class name, as factories.
    public var durableObjects: [String: DurableObjectFactory]

    /// - Parameters:
    ///   - worker: the default export.
    ///   - durableObjects: exported Durable Object classes by class name, e.g. `["Counter": Counter.self]`.
    public init(worker: any Worker, durableObjects: [String: any DurableObject.Type] = [:]) {
        self.worker = worker
        self.durableObjects = durableObjects.mapValues { type in
            { state, env in try await type.init(state: state, env: env) }
        }
    }

    /// Exports Durable Object classes as factory closures.
    public init(worker: any Worker, durableObjectFactories: [String: DurableObjectFactory]) {
        self.worker = worker
        self.durableObjects = durableObjectFactories
    }
}
