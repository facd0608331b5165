import Foundation
import NIOPosix
public import ServiceLifecycle

/// Durable Objects for a runtime: a `DurableObjectNamespace` per `[[durable_objects.bindings]]`,
/// one host per exported class, and the alarm scheduler.
///
/// State layout: `<state>/do/index.sqlite` (namespace keys, names, alarms) and
/// `<state>/do/<ClassName>/<64-hex-id>.sqlite`, one file per object.
public final class DurableObjectsSubsystem: RuntimeSubsystem {
    public let bindings: [String: any Sendable]
    let hosts: [String: DurableObjectHost]
    let scheduler: AlarmScheduler?
    let syncPool: NIOThreadPool?
    /// Objects' background operations (`state.waitUntil`); the runtime runs it after every other service.
    public let tasks = DurableObjectTasks()

    public var services: [any Service] { scheduler.map { [$0] } ?? [] }

    init(context: RuntimeContext) throws {
        let config = context.config
        let local = config.durableObjects.filter { $0.scriptName == nil }
        guard !local.isEmpty else {
            bindings = [:]
            hosts = [:]
            scheduler = nil
            syncPool = nil
            return
        }
        let exports = context.script.durableObjects
        for binding in local where exports[binding.className] == nil {
            let exported = exports.keys.sorted().joined(separator: ", ")
            throw ConfigError(
                file: config.path,
                message: "Durable Object binding \"\(binding.name)\" refers to class \"\(binding.className)\", which the Worker script does not export (exported: \(exported.isEmpty ? "none" : exported)). Add it to WorkerScript(durableObjects:)."
            )
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
                        options: options, context: context, syncPool: pool, tasks: tasks
                    )
                    hosts[binding.className] = host
                }
                bindings[binding.name] = DurableObjectNamespace(host: host)
            }
        } catch {
            try? pool.syncShutdownGracefully()
            throw error
        }
        self.hosts = hosts
        self.bindings = bindings
        self.syncPool = pool
        self.scheduler = AlarmScheduler(hosts: hosts, directory: directory, options: options, clock: context.clock, logger: context.logger)
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
