import Foundation
public import ServiceLifecycle

/// Containers for a runtime: one `ContainerSupervisor` for every `[[containers]]` class.
///
/// Each class must also be an exported, bound Durable Object class: the object with id X owns the
/// instance named X. The supervisor knows nothing of those objects: its events go to the sink it
/// is given (`onEvent`), which the Durable Objects side reads (`ContainerEventRouter`). Images
/// resolve beside the running binary, relative paths against the configuration's directory.
public final class ContainersSubsystem: RuntimeSubsystem {
    public let supervisor: ContainerSupervisor
    let classNames: Set<String>

    public var bindings: [String: any Sendable] { [:] }
    public var services: [any Service] { [supervisor] }

    /// - Parameters:
    ///   - objectClasses: the Durable Object classes bound in this Worker and exported by its script.
    ///   - onEvent: where the supervisor's events go, in the order it reports them.
    ///   - launcherPath: `outpost-sandbox`; nil means beside the running binary.
    init(context: RuntimeContext, objectClasses: Set<String>, onEvent: @escaping @Sendable (ContainerEvent) -> Void, launcherPath: String? = nil) throws {
        let config = context.config
        let base = (config.path as NSString).deletingLastPathComponent
        var classes: [ContainerClass] = []
        for entry in config.containers {
            guard objectClasses.contains(entry.className) else {
                throw ConfigError(
                    file: config.path,
                    message: "[[containers]] class_name \"\(entry.className)\" is not a Durable Object class bound in [[durable_objects.bindings]] and exported by WorkerScript(durableObjects:)."
                )
            }
            do {
                classes.append(try ContainerClass(config: entry, baseDirectory: base))
            } catch {
                throw ConfigError(file: config.path, message: error.message)
            }
        }
        self.classNames = Set(classes.map(\.name))
        self.supervisor = ContainerSupervisor(
            stateDirectory: context.stateDirectory, classes: classes, logger: context.logger, launcherPath: launcherPath,
            applicationID: config.name, onEvent: onEvent, metrics: context.metrics
        )
    }

    /// The handle of the instance owned by object `id` of `className`, or nil when the class has none.
    /// - Parameter activityExpired: runs the owning object's `onActivityExpired`; false when no object could take it.
    func handle(className: String, id: DurableObjectId, activityExpired: @escaping ContainerHandle.ActivityExpiredHook) -> ContainerHandle? {
        guard classNames.contains(className) else { return nil }
        return ContainerHandle(className: className, instanceID: id.hex, supervisor: supervisor, activityExpired: activityExpired)
    }
}
