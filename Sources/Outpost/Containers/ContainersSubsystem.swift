import Foundation
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Containers for a runtime: one `ContainerSupervisor` for every `[[containers]]` class, and the
/// router that turns its events into the owning Container objects' hooks.
///
/// Each class must also be an exported, bound Durable Object class: the object with id X owns the
/// instance named X. Images resolve beside the running binary, relative paths against the
/// configuration's directory.
public final class ContainersSubsystem: RuntimeSubsystem {
    public let supervisor: ContainerSupervisor
    let router: ContainerEventRouter
    let classNames: Set<String>

    public var bindings: [String: any Sendable] { [:] }
    /// The router first, so it stops after the supervisor and still delivers the shutdown's `onStop`s.
    public var services: [any Service] { [router, supervisor] }

    /// - Parameter launcherPath: `outpost-sandbox`; nil means beside the running binary.
    init(context: RuntimeContext, durableObjects: DurableObjectsSubsystem, launcherPath: String? = nil) throws {
        let config = context.config
        let base = (config.path as NSString).deletingLastPathComponent
        var classes: [ContainerClass] = []
        for entry in config.containers {
            guard durableObjects.hosts[entry.className] != nil else {
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
        let router = ContainerEventRouter(hosts: durableObjects.hosts, logger: context.logger)
        self.router = router
        self.classNames = Set(classes.map(\.name))
        self.supervisor = ContainerSupervisor(
            stateDirectory: context.stateDirectory, classes: classes, logger: context.logger, launcherPath: launcherPath,
            applicationID: config.name, onEvent: { router.enqueue($0) }
        )
    }

    /// The handle of the instance owned by object `id` of `className`, or nil when the class has none.
    func handle(className: String, id: DurableObjectId) -> ContainerHandle? {
        guard classNames.contains(className) else { return nil }
        return ContainerHandle(className: className, instanceID: id.hex, supervisor: supervisor, router: router)
    }
}

extension RuntimeContext {
    func setContainers(_ subsystem: ContainersSubsystem) {
        containers.withLockedValue { $0 = subsystem }
    }

    /// The instance object `id` of `className` owns (`state.container`), when the class has `[[containers]]`.
    func containerHandle(className: String, id: DurableObjectId) -> ContainerHandle? {
        containers.withLockedValue { $0 }?.handle(className: className, id: id)
    }
}
