/// R2 for a runtime: one `R2Store` per `bucket_name`, an `R2Bucket` per `[[r2_buckets]]` binding
/// (two bindings naming one bucket share it).
public struct R2Subsystem: RuntimeSubsystem {
    /// Stores by bucket name.
    public let stores: [String: R2Store]
    public let bindings: [String: any Sendable]

    public init(context: RuntimeContext) throws {
        var stores: [String: R2Store] = [:]
        var bindings: [String: any Sendable] = [:]
        for bucket in context.config.r2Buckets {
            let store = try stores[bucket.bucketName]
                ?? R2Store(stateDirectory: context.stateDirectory, bucketName: bucket.bucketName, clock: context.clock, metrics: context.metrics)
            stores[bucket.bucketName] = store
            bindings[bucket.binding] = R2Bucket(store: store)
        }
        self.stores = stores
        self.bindings = bindings
    }

    public func close() {
        for store in stores.values { store.close() }
    }
}

extension Env {
    /// The R2 bucket bound as `name` (`[[r2_buckets]] binding`).
    public func r2(_ name: String) throws -> R2Bucket {
        try binding(name, as: R2Bucket.self, kind: "R2 bucket")
    }
}
