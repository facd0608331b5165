/// One container service, declared once: what the platform needs to route, validate, schedule
/// and run its jobs, and what the service itself checks its requests against.
///
/// The platform (`functions/`, `durable/`) and the service executable both import the same
/// descriptor, so a parameter the service would refuse is a 400 at submit time, before anything
/// is stored. See `services/README.md` for the recipe that adds one.
public struct ServiceDescriptor: Sendable {
    /// The image name (`image =` in wrangler.toml), also the folder under `services/`.
    public var image: String
    /// The `[[containers]]` class that runs it, e.g. `VideoProcessor`.
    public var containerClass: String
    /// The Durable Object binding of that class, e.g. `VIDEO_PROCESSOR`.
    public var binding: String
    /// The short API name: `POST /api/{apiName}/{operation}`, and the job types' prefix (`video.analyze`).
    public var apiName: String
    /// The path under `/api/containers/` of the Pitchey documents, e.g. `video-processing`.
    public var containerPath: String
    /// The instance type the service is sized for (`instance_type` in wrangler.toml wins).
    public var instanceType: String
    /// Jobs one instance runs at once.
    public var jobsPerInstance: Int
    /// Attempts before a job that keeps failing is dead-lettered.
    public var maxAttempts: Int
    /// Whether the service reaches the network (otherwise its own network namespace, loopback only).
    public var enableInternet: Bool
    /// Seconds an idle instance lives before it stops (`CONTAINER_SLEEP_AFTER` overrides).
    public var sleepAfterSeconds: Int
    public var operations: [OperationDescriptor]
    /// Read-only endpoints of the service, e.g. `formats`: `GET /api/{apiName}/{name}`.
    public var catalogues: [Catalogue]
    /// Routes of the Pitchey documents that are not of the generic shape.
    public var aliases: [RouteAlias]

    public init(image: String, containerClass: String, binding: String, apiName: String, containerPath: String,
                instanceType: String, jobsPerInstance: Int, maxAttempts: Int = 3, enableInternet: Bool = false,
                sleepAfterSeconds: Int = 300, operations: [OperationDescriptor], catalogues: [Catalogue] = [],
                aliases: [RouteAlias] = []) {
        self.image = image
        self.containerClass = containerClass
        self.binding = binding
        self.apiName = apiName
        self.containerPath = containerPath
        self.instanceType = instanceType
        self.jobsPerInstance = jobsPerInstance
        self.maxAttempts = maxAttempts
        self.enableInternet = enableInternet
        self.sleepAfterSeconds = sleepAfterSeconds
        self.operations = operations
        self.catalogues = catalogues
        self.aliases = aliases
    }

    /// The operation named `name`, if the service has it.
    public func operation(_ name: String) -> OperationDescriptor? {
        operations.first { $0.name == name }
    }

    /// The job type of an operation: `video.thumbnail`.
    public func jobType(_ operation: OperationDescriptor) -> String { apiName + "." + operation.name }

    /// Instances are named `<image>-1`, `-2`, …
    public func instanceName(_ index: Int) -> String { "\(image)-\(index)" }

    /// The environment every instance gets from its descriptor.
    public var environment: [String: String] { ["JOB_CONCURRENCY": String(jobsPerInstance)] }
}

/// A read-only endpoint of a service, answered by the service and cached by the platform.
public struct Catalogue: Sendable, Equatable {
    /// `GET /api/{apiName}/{name}`.
    public var name: String
    /// The path on the service, e.g. `/formats`.
    public var servicePath: String
    public var summary: String

    public init(name: String, servicePath: String? = nil, summary: String) {
        self.name = name
        self.servicePath = servicePath ?? "/" + name
        self.summary = summary
    }
}

/// A public route the Pitchey documents name that the generic routes do not already cover.
public struct RouteAlias: Sendable, Equatable {
    /// The path, e.g. `/api/containers/video-processing/process`.
    public var path: String
    public var target: Target

    public enum Target: Sendable, Equatable {
        /// A job of this operation.
        case operation(String)
        /// A job whose operation is named by a body field (e.g. `"operation"`), restricted to these.
        case operationField(String, allowed: [String])
        /// A catalogue.
        case catalogue(String)
    }

    public init(_ path: String, _ target: Target) {
        self.path = path
        self.target = target
    }
}
