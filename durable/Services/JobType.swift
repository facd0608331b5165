public import Outpost
public import ServiceDescriptors

/// A kind of job the platform runs — one operation of one service — with the facts the
/// orchestrator needs, all read from the service's descriptor.
public struct JobType: Sendable, Equatable {
    public static func == (a: JobType, b: JobType) -> Bool { a.name == b.name }

    /// The API name, e.g. `video.thumbnail`.
    public let name: String
    public let service: ServiceDescriptor
    public let operation: OperationDescriptor
    /// The class itself, for typed calls to its objects.
    public let container: any ServiceContainer.Type

    init(service: ServiceDescriptor, operation: OperationDescriptor, container: any ServiceContainer.Type) {
        self.name = service.jobType(operation)
        self.service = service
        self.operation = operation
        self.container = container
    }

    /// The `[[containers]]` class that runs it.
    public var containerClass: String { service.containerClass }
    /// The Durable Object binding of that class.
    public var binding: String { service.binding }
    /// Jobs one instance runs at once.
    public var concurrency: Int { service.jobsPerInstance }
    public var maxAttempts: Int { service.maxAttempts }
    public var timeoutSeconds: Double { operation.timeoutSeconds }

    /// The instance names of the class, in the order they are used.
    func instanceName(_ index: Int) -> String { service.instanceName(index) }

    /// The index in an instance name (`video-processor-2` → 2).
    static func instanceIndex(_ name: String) -> Int { Int(name.split(separator: "-").last ?? "") ?? 0 }

    /// The stub of instance `name` of the class.
    func instance(_ name: String, env: Env) throws -> DurableObjectStub {
        try env.durableObject(binding).getByName(name)
    }

    /// The extension an output's R2 key gets, from the operation's declared outputs.
    func fileExtension(_ contentType: String) -> String {
        operation.outputs.first { $0.contentType.lowercased() == contentType.lowercased() }?.fileExtension ?? ""
    }
}
