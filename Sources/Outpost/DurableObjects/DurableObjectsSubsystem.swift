import Foundation
import NIOConcurrencyHelpers
import NIOPosix
public import ServiceLifecycle

/// Durable Objects for a runtime: a `DurableObjectNamespace` per `[[durable_objects.bindings]]`,
/// one host per exported class, the alarm scheduler, and the router of container events to
/// Container objects. It makes the Worker's `env`, which holds its namespaces.
///
/// State layout: `<state>/do/index.sqlite` (namespace keys, names, alarms) and
/// `<state>/do/<ClassName>/<64-hex-id>.sqlite`, one file per object.
public final class DurableObjectsSubsystem: RuntimeSubsystem {
    public let bindings: [String: any Sendable]
    /// The Worker's env: the bindings this subsystem was given, and its namespaces.
    public let env: Env
    let hosts: [String: DurableObjectHost]
    let scheduler: AlarmScheduler?
    let router: ContainerEventRouter?
    let syncPool: NIOThreadPool?
    /// Objects' background operations (`state.waitUntil`); the runtime runs it after every other service.
    public let tasks = DurableObjectTasks()

    /// The router before the containers' supervisor, so it stops after it and still delivers the shutdown's `onStop`s.
    public var services: [any Service] { (scheduler.map { [$0] } ?? []) + (router.map { [$0] } ?? []) }

    /// The local `[[durable_objects.bindings]]`; throws unless the Worker script exports each one's class.
    static func localBindings(_ context: RuntimeContext) throws -> [DurableObjectBindingConfig] {
        let config = context.config
        let local = config.durableObjects.filter { $0.scriptName == nil }
        let exports = context.script.durableObjects
        for binding in local where exports[binding.className] == nil {
            let exported = exports.keys.sorted().joined(separator: ", ")
            throw ConfigError(
                file: config.path,
                message: "Durable Object binding \"\(binding.name)\" refers to class \"\(binding.className)\", which the Worker script does not export (exported: \(exported.isEmpty ? "none" : exported)). Add it to WorkerScript(durableObjects:)."
            )
        }
        return local
    }

    /// - Parameters:
    ///   - vars: the env's vars.
    ///   - bindings: every other subsystem's bindings, for the env.
    ///   - containers: the containers of the classes that own one.
    ///   - containerEvents: the stream the containers' supervisor yields its events to.
    init(
        context: RuntimeContext, vars: [String: String], bindings others: [String: any Sendable],
        containers: ContainersSubsystem? = nil,
        containerEvents: (stream: AsyncStream<ContainerEvent>, continuation: AsyncStream<ContainerEvent>.Continuation)
    ) throws {
        let local = try Self.localBindings(context)
        guard !local.isEmpty else {
            bindings = [:]
            env = Env(vars: vars, bindings: others, metrics: context.metrics)
            hosts = [:]
            scheduler = nil
            router = nil
            syncPool = nil
            return
        }
        let exports = context.script.durableObjects
        // The env holds the namespaces and the hosts build objects with it: the one cycle, closed
        // below before this initializer returns, and no object is built before then.
        let envBox = NIOLockedValueBox<Env?>(nil)
        let envOfObjects: @Sendable () -> Env = {
            guard let env = envBox.withLockedValue({ $0 }) else { preconditionFailure("a Durable Object was built before the runtime's env existed") }
            return env
        }
        let options = context.durableObjectOptions
        let pool = NIOThreadPool(numberOfThreads: max(1, options.syncThreads))
        pool.start()
        let directory = try ObjectDirectory(stateDirectory: context.stateDirectory)
        var hosts: [String: DurableObjectHost] = [:]
        var bindings: [String: any Sendable] = [:]
        do {
            for binding in local {
                let host: DurableObjectHost
                if let existing = hosts[binding.className] {
                    host = existing
                } else {
                    host = try DurableObjectHost(
                        className: binding.className, factory: exports[binding.className]!, directory: directory,
                        options: options, context: context, env: envOfObjects, containers: containers, syncPool: pool, tasks: tasks
                    )
                    hosts[binding.className] = host
                }
                bindings[binding.name] = DurableObjectNamespace(host: host)
            }
        } catch {
            try? pool.syncShutdownGracefully()
            throw error
        }
        let env = Env(vars: vars, bindings: others.merging(bindings) { $1 }, metrics: context.metrics)
        envBox.withLockedValue { $0 = env }
        self.env = env
        self.hosts = hosts
        self.bindings = bindings
        self.syncPool = pool
        self.scheduler = AlarmScheduler(hosts: hosts, directory: directory, options: options, clock: context.clock, logger: context.logger)
        self.router = containers.map { _ in ContainerEventRouter(hosts: hosts, events: containerEvents) }
    }

    /// The namespace of `className`, whichever binding names it.
    public func namespace(className: String) -> DurableObjectNamespace? {
        hosts[className].map { DurableObjectNamespace(host: $0) }
    }

    /// Ids of the objects of `className` live in memory.
    public func liveObjectIDs(className: String) -> [String] {
        hosts[className]?.liveObjectIDs ?? []
    }

    /// Evicts every object with no event in flight, as the idle timeout would; returns how many.
    @discardableResult
    public func evictAll() async -> Int {
        var n = 0
        for host in hosts.values { n += await host.evictAll() }
        return n
    }

    public func close() {
        for host in hosts.values { host.closeAll() }
        try? syncPool?.syncShutdownGracefully()
    }
}

extension Env {
    /// The Durable Object namespace bound as `name` (`[[durable_objects.bindings]] name`).
    public func durableObject(_ name: String) throws -> DurableObjectNamespace {
        try binding(name, as: DurableObjectNamespace.self, kind: "Durable Object namespace")
    }
}
