import Outpost

/// A kind of job the platform runs: which container class does it, with which operation, and
/// the type's limits.
public struct JobType: Sendable, Equatable {
    public static func == (a: JobType, b: JobType) -> Bool { a.name == b.name }

    /// The API name, e.g. `video.thumbnail`.
    public let name: String
    /// The `[[containers]]` class that runs it.
    public let containerClass: String
    /// The Durable Object binding of that class.
    public let binding: String
    /// The class itself, for typed calls to its objects.
    public let container: any ServiceContainer.Type
    /// Instances are named `<instancePrefix>-1`, `-2`, …
    public let instancePrefix: String
    /// The service's operation (`POST /jobs/{operation}`).
    public let operation: String
    /// Jobs one instance runs at once.
    public let concurrency: Int
    /// Attempts before a job that keeps failing is dead-lettered.
    public let maxAttempts: Int
    /// How long one attempt may run before it is stopped and retried.
    public let timeoutSeconds: Double

    /// Every job type, by name. Services not built yet (document, ai, media, code, backup,
    /// reports) are added here with their container class.
    public static let all: [String: JobType] = {
        let video = { (operation: String, timeout: Double) in
            JobType(name: "video." + operation, containerClass: "VideoProcessor", binding: "VIDEO_PROCESSOR", container: VideoProcessor.self,
                    instancePrefix: "video-processor", operation: operation, concurrency: 3, maxAttempts: 3, timeoutSeconds: timeout)
        }
        let types = [video("analyze", 120), video("thumbnail", 300)]
        return Dictionary(uniqueKeysWithValues: types.map { ($0.name, $0) })
    }()

    /// One type per container class (any will do for what is per class: binding, instance names).
    public static let byContainerClass: [String: JobType] = Dictionary(all.values.map { ($0.containerClass, $0) }) { a, b in a.name < b.name ? a : b }

    /// The type named `name`, or a 400 listing the types there are.
    public static func named(_ name: String) throws(JobInputError) -> JobType {
        guard let type = all[name] else {
            throw JobInputError("Unknown job type \"\(name)\". Supported: \(all.keys.sorted().joined(separator: ", ")).", code: "unknown_job_type")
        }
        return type
    }

    /// The instance names of the class, in the order they are used.
    func instanceName(_ index: Int) -> String { "\(instancePrefix)-\(index)" }

    /// The index in an instance name (`video-processor-2` → 2).
    static func instanceIndex(_ name: String) -> Int { Int(name.split(separator: "-").last ?? "") ?? 0 }

    /// The stub of instance `name` of the class.
    func instance(_ name: String, env: Env) throws -> DurableObjectStub {
        try env.durableObject(binding).getByName(name)
    }

    /// `max_instances` and `instance_type` of the class, asked of its first instance's object.
    func classSettings(env: Env) async throws -> ContainerClassSettings? {
        func ask<C: ServiceContainer>(_ type: C.Type) async throws -> ContainerClassSettings? {
            try await instance(instanceName(1), env: env).call(type) { await $0.classSettings() }
        }
        return try await ask(container)
    }

    /// What the supervisor knows of instance `name` (state, pid, uptime, memory).
    func snapshot(_ name: String, env: Env) async throws -> ContainerInfo? {
        func ask<C: ServiceContainer>(_ type: C.Type) async throws -> ContainerInfo? {
            try await instance(name, env: env).call(type) { await $0.snapshot() }
        }
        return try await ask(container)
    }
}
