public import Outpost

/// A Pitchey service class: a `Container` whose instances the orchestrator runs jobs on.
///
/// It reports its instance's starts and stops to the orchestrator (for `GET
/// /api/containers/instances` and costs) and honours `CONTAINER_SLEEP_AFTER`.
public protocol ServiceContainer: Container {
    var env: Env { get }
}

/// What the orchestrator needs to know of a container class.
public struct ContainerClassSettings: Sendable, Equatable {
    public var maxInstances: Int
    public var instanceType: InstanceType
}

extension ServiceContainer {
    /// The class's `sleepAfter`: `CONTAINER_SLEEP_AFTER` when set, else `fallback`.
    public static func sleepAfter(env: Env, default fallback: SleepAfter) throws -> SleepAfter {
        guard let text = PlatformSettings(env: env).sleepAfterOverride else { return fallback }
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

    /// `max_instances` and `instance_type` of this class.
    public func classSettings() async -> ContainerClassSettings? {
        guard let cls = await state.container?.containerClass() else { return nil }
        return ContainerClassSettings(maxInstances: cls.maxInstances, instanceType: cls.instanceType)
    }

    /// The instance as `outpost containers list` shows it.
    public func snapshot() async -> ContainerInfo? {
        await state.container?.info()
    }
}
