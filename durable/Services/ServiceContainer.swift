public import Outpost
public import ServiceDescriptors

/// A Pitchey service class: a `Container` whose instances the orchestrator runs jobs on, declared
/// by its service's descriptor.
///
/// Its network, environment and `sleepAfter` come from the descriptor (`CONTAINER_SLEEP_AFTER`
/// overrides every class's). It reports its instance's starts and stops to the orchestrator
/// (for `GET /api/containers/instances` and costs).
public protocol ServiceContainer: Container {
    /// The service this class runs.
    static var descriptor: ServiceDescriptor { get }
    var env: Env { get }
    /// Called by the job's runner when a job of this class succeeded, before the success is
    /// reported (e.g. to index the result elsewhere, so it is found once the job shows succeeded);
    /// returns the result to store, which may add to `result`. A thrown error fails the attempt,
    /// to be retried (a step the job is not done without, e.g. an erasure's platform part).
    /// Default: `result` unchanged.
    static func jobSucceeded(_ job: JobRecord, operation: OperationDescriptor, result: JSONValue?, env: Env) async throws -> JSONValue?
}

/// What the orchestrator needs to know of a container class, from its `[[containers]]` entry.
public struct ContainerClassSettings: Sendable, Equatable {
    public var maxInstances: Int
    public var instanceType: InstanceType

    public init(maxInstances: Int, instanceType: InstanceType) {
        self.maxInstances = maxInstances
        self.instanceType = instanceType
    }
}

extension ServiceContainer {
    public var enableInternet: Bool { Self.descriptor.enableInternet }
    public var envVars: [String: String] { Self.descriptor.environment }

    public static func jobSucceeded(_ job: JobRecord, operation: OperationDescriptor, result: JSONValue?, env: Env) async -> JSONValue? { result }

    /// The class's `sleepAfter`: `CONTAINER_SLEEP_AFTER` when set, else the descriptor's.
    public static func sleepAfter(env: Env) throws -> SleepAfter {
        guard let text = PlatformSettings(env: env).sleepAfterOverride else {
            return SleepAfter(duration: .seconds(descriptor.sleepAfterSeconds))
        }
        do {
            return try SleepAfter(parsing: text)
        } catch {
            throw JobInputError("CONTAINER_SLEEP_AFTER is \"\(text)\": \(error.message)", code: "invalid_configuration", status: 500)
        }
    }

    public func onStart() async {
        let pid = await state.container?.process()?.pid
        let id = state.id.hex
        await reportToOrchestrator { o in try await o.instanceStarted(id: id, pid: pid) }
    }

    public func onStop(exitCode: Int32, reason: ContainerExit.Reason) async {
        let id = state.id.hex
        await reportToOrchestrator { o in try await o.instanceStopped(id: id, exitCode: exitCode) }
    }

    private func reportToOrchestrator(_ body: @escaping @Sendable (ContainerOrchestrator) async throws -> Void) async {
        guard let stub = try? PlatformBindings.orchestrator(env) else { return }
        _ = try? await stub.call(ContainerOrchestrator.self) { o in try await body(o) }
    }

    /// The instance as `outpost containers list` shows it.
    public func snapshot() async -> ContainerInfo? {
        await state.container?.info()
    }
}
