public import Outpost
public import ServiceDescriptors

/// The services a deployment runs, each a `ServiceContainer` class with its descriptor. The
/// platform's routes, job types, dispatch and reports all read from here, so a service is added
/// by listing its class (see `services/README.md`).
public struct ServiceRegistry: Sendable {
    /// The container classes, in the order given.
    public let containers: [any ServiceContainer.Type]
    /// Every job type (`video.thumbnail`), by name: the union of the descriptors' operations.
    public let jobTypes: [String: JobType]

    public init(_ containers: [any ServiceContainer.Type]) {
        self.containers = containers
        var types: [String: JobType] = [:]
        for container in containers {
            for operation in container.descriptor.operations {
                let type = JobType(service: container.descriptor, operation: operation, container: container)
                types[type.name] = type
            }
        }
        jobTypes = types
    }

    public var services: [ServiceDescriptor] { containers.map { $0.descriptor } }

    /// The container class of `className`, if a service runs on it.
    func container(className: String) -> (any ServiceContainer.Type)? {
        containers.first { $0.descriptor.containerClass == className }
    }

    /// The service whose API name is `apiName` (`video`), or whose `/api/containers/` path is `containerPath`.
    public func service(apiName: String) -> ServiceDescriptor? { services.first { $0.apiName == apiName } }
    public func service(containerPath: String) -> ServiceDescriptor? { services.first { $0.containerPath == containerPath } }

    /// The type named `name`, or a 400 listing the types there are.
    public func jobType(named name: String) throws(JobInputError) -> JobType {
        guard let type = jobTypes[name] else {
            throw JobInputError("Unknown job type \"\(name)\". Supported: \(jobTypes.keys.sorted().joined(separator: ", ")).", code: "unknown_job_type")
        }
        return type
    }

    /// The type of `operation` of `service`.
    public func jobType(_ service: ServiceDescriptor, _ operation: OperationDescriptor) throws(JobInputError) -> JobType {
        try jobType(named: service.jobType(operation))
    }

    /// `max_instances` and `instance_type` of each class, from its `[[containers]]` entry (none: not configured).
    func classSettings(env: Env) -> [String: ContainerClassSettings] {
        var out: [String: ContainerClassSettings] = [:]
        for service in services {
            guard let config = try? env.durableObject(service.binding).containerConfig else { continue }
            let type = InstanceTypes.named(config.instanceType) ?? InstanceTypes.named(service.instanceType) ?? InstanceTypes.all[0]
            out[service.containerClass] = ContainerClassSettings(maxInstances: config.maxInstances, instanceType: type)
        }
        return out
    }

    /// What the supervisor knows of instance `name` of `className` (state, pid, uptime, memory).
    func snapshot(className: String, instance name: String, env: Env) async throws -> ContainerInfo? {
        guard let container = container(className: className) else { return nil }
        func ask<C: ServiceContainer>(_ type: C.Type) async throws -> ContainerInfo? {
            try await env.durableObject(type.descriptor.binding).getByName(name).call(type) { await $0.snapshot() }
        }
        return try await ask(container)
    }

    /// The Durable Object classes the deployment exports for its services.
    public var durableObjectFactories: [String: DurableObjectFactory] {
        var factories: [String: DurableObjectFactory] = [:]
        for container in containers {
            factories[container.descriptor.containerClass] = { state, env in try await container.init(state: state, env: env) }
        }
        return factories
    }
}

extension ServiceRegistry {
    /// The services Pitchey ships. Adding a service adds its class here.
    public static let pitchey = ServiceRegistry([
        VideoProcessor.self,
        MediaTranscoder.self,
        DocumentProcessor.self,
        CodeExecutor.self,
        AIInference.self,
        ReportGenerator.self,
        BackupService.self,
    ])
}
