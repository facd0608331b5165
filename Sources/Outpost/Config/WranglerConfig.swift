/// A parsed `wrangler.toml`, with wrangler's own key names.
public struct WranglerConfig: Sendable {
    /// The file it came from, for error messages.
    public var path: String
    public var name: String
    public var main: String?
    public var compatibilityDate: String?
    public var compatibilityFlags: [String] = []
    /// `[vars]`; non-string values are kept as JSON text.
    public var vars: [String: String] = [:]
    public var kvNamespaces: [KVNamespaceConfig] = []
    public var r2Buckets: [R2BucketConfig] = []
    public var durableObjects: [DurableObjectBindingConfig] = []
    public var migrations: [MigrationConfig] = []
    public var queueProducers: [QueueProducerConfig] = []
    public var queueConsumers: [QueueConsumerConfig] = []
    public var containers: [ContainerConfig] = []
    public var crons: [String] = []

    public init(path: String, name: String) {
        self.path = path
        self.name = name
    }

    public func kvNamespace(binding: String) -> KVNamespaceConfig? { kvNamespaces.first { $0.binding == binding } }
    public func r2Bucket(named bucket: String) -> R2BucketConfig? { r2Buckets.first { $0.bucketName == bucket } }
    public func r2Bucket(binding: String) -> R2BucketConfig? { r2Buckets.first { $0.binding == binding } }
}

/// `[[kv_namespaces]]`.
public struct KVNamespaceConfig: Sendable, Hashable {
    public var binding: String
    /// The namespace id; storage is keyed by it, so two bindings with one id share data.
    public var id: String
    public var previewId: String?
}

/// `[[r2_buckets]]`.
public struct R2BucketConfig: Sendable, Hashable {
    public var binding: String
    public var bucketName: String
    public var jurisdiction: String?
}

/// `[[durable_objects.bindings]]`.
public struct DurableObjectBindingConfig: Sendable, Hashable {
    public var name: String
    public var className: String
    public var scriptName: String?
}

/// `[[migrations]]`.
public struct MigrationConfig: Sendable, Hashable {
    public var tag: String
    public var newClasses: [String] = []
    public var newSQLiteClasses: [String] = []
    public var deletedClasses: [String] = []
    public var renamedClasses: [RenamedClass] = []

    public struct RenamedClass: Sendable, Hashable {
        public var from: String
        public var to: String
    }
}

/// `[[queues.producers]]`.
public struct QueueProducerConfig: Sendable, Hashable {
    public var binding: String
    public var queue: String
    /// Default delay for every message sent through this binding, in seconds.
    public var deliveryDelay: Int?
}

/// `[[queues.consumers]]`, with Cloudflare's production defaults.
public struct QueueConsumerConfig: Sendable, Hashable {
    public var queue: String
    public var maxBatchSize: Int = 10
    /// Seconds; 0…60.
    public var maxBatchTimeout: Double = 5
    public var maxRetries: Int = 3
    public var deadLetterQueue: String?
    public var maxConcurrency: Int?
    /// Seconds before a retried message is delivered again.
    public var retryDelay: Int = 0
}

/// `[[containers]]`.
public struct ContainerConfig: Sendable, Hashable {
    public var className: String
    /// An executable product of this package, or a path to an executable.
    public var image: String
    public var maxInstances: Int = 20
    public var instanceType: String = "lite"
    public var name: String?
    /// Outpost's extension `sandbox = { nested = …, read_only_paths = […] }`.
    public var sandbox = ContainerSandbox()
}
