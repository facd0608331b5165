public import Outpost

/// The bindings the platform's objects find each other by (`[[durable_objects.bindings]]`).
public enum PlatformBindings {
    public static let orchestrator = "ORCHESTRATOR"
    public static let scheduler = "SCHEDULER"
    /// The R2 bucket holding uploads and job outputs.
    public static let media = "MEDIA"
    /// The KV namespace caching each job's status.
    public static let jobStatus = "JOB_STATUS_KV"
    /// There is one orchestrator and one scheduler per deployment, by this name.
    public static let singletonName = "global"

    /// The orchestrator's stub.
    public static func orchestrator(_ env: Env) throws -> DurableObjectStub {
        try env.durableObject(orchestrator).getByName(singletonName)
    }

    /// The scheduler's stub.
    public static func scheduler(_ env: Env) throws -> DurableObjectStub {
        try env.durableObject(scheduler).getByName(singletonName)
    }
}
