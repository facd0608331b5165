public import Logging
public import ServiceLifecycle
import Foundation

/// One booted deployment: configuration, state directory, bindings and the Worker.
///
/// `fetch` dispatches a request to the Worker the way the HTTP front does; the harness and
/// the server share this path. Long-lived parts are in `services`; run them in a ServiceGroup,
/// then call `close()`.
public final class Runtime: Sendable {
    public let config: WranglerConfig
    public let warnings: [ConfigWarning]
    public let context: RuntimeContext
    public let env: Env
    let subsystems: [any RuntimeSubsystem]

    public var logger: Logger { context.logger }
    public var clock: RuntimeClock { context.clock }
    public var stateDirectory: String { context.stateDirectory }
    public var script: WorkerScript { context.script }

    /// Boots from the configuration file in `options`.
    public convenience init(options: RuntimeOptions, script: WorkerScript) throws {
        let (config, warnings) = try ConfigLoader.load(path: options.configPath, environment: options.environment)
        try self.init(config: config, warnings: warnings, options: options, script: script)
    }

    /// Boots from an already parsed configuration.
    public init(config: WranglerConfig, warnings: [ConfigWarning] = [], options: RuntimeOptions, script: WorkerScript) throws {
        self.config = config
        self.warnings = warnings
        for w in warnings { options.logger.warning("\(w)") }
        let stateDirectory = URL(fileURLWithPath: options.stateDirectory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)

        let context = RuntimeContext(
            config: config, stateDirectory: stateDirectory, clock: options.clock,
            logger: options.logger, script: script, background: BackgroundWork(),
            durableObjectOptions: options.durableObjects, metrics: Metrics(stateDirectory: stateDirectory, enabled: options.metrics)
        )
        self.context = context

        var vars = config.vars
        if options.loadDevVars {
            vars.merge(DevVars.load(besides: options.configPath, environment: options.environment)) { $1 }
        }
        vars.merge(options.varOverrides) { $1 }

        (self.subsystems, self.env) = try Runtime.makeSubsystems(context, vars: vars)
    }

    /// The subsystems, in dependency order (storage first), and the Worker's env.
    ///
    /// Each part is built once what it needs exists: the storage bindings, then the containers
    /// (whose events go into a stream the Container objects' side reads), then the Durable
    /// Objects, which make the env (it holds their namespaces, and their objects are built with
    /// it), then the parts that call the Worker with the env.
    static func makeSubsystems(_ context: RuntimeContext, vars: [String: String]) throws -> ([any RuntimeSubsystem], Env) {
        let config = context.config
        let kv = try KVSubsystem(config: config, stateDirectory: context.stateDirectory, clock: context.clock, metrics: context.metrics)
        let r2 = try R2Subsystem(context: context)
        let queueStore = try QueueStore(stateDirectory: context.stateDirectory, clock: context.clock, metrics: context.metrics)
        let producers = QueuesSubsystem.producers(config: config, store: queueStore)
        let objectClasses = Set(try DurableObjectsSubsystem.localBindings(context).map(\.className))
        let containerEvents = AsyncStream.makeStream(of: ContainerEvent.self)
        let containers = config.containers.isEmpty ? nil : try ContainersSubsystem(
            context: context, objectClasses: objectClasses, onEvent: { containerEvents.continuation.yield($0) }
        )
        let durableObjects = try DurableObjectsSubsystem(
            context: context, vars: vars,
            bindings: kv.bindings.merging(r2.bindings) { $1 }.merging(producers) { $1 },
            containers: containers, containerEvents: containerEvents
        )
        let env = durableObjects.env
        let queues = QueuesSubsystem(context: context, store: queueStore, bindings: producers, env: env)
        let cron = CronSubsystem(context: context, env: env)
        return ([kv, r2, queues, cron, durableObjects] + (containers.map { [$0] } ?? []), env)
    }

    /// The first subsystem of type `T`.
    public func subsystem<T: RuntimeSubsystem>(_ type: T.Type) -> T? {
        subsystems.lazy.compactMap { $0 as? T }.first
    }

    /// Services to run for this runtime, before the HTTP front in a ServiceGroup (background work
    /// first, so it stops last among them).
    public var services: [any Service] {
        [context.background] + subsystems.flatMap(\.services)
    }

    /// Services to run after the HTTP front, so a graceful shutdown tells them first: Durable
    /// Objects' background operations are cancelled at once (attempts in flight resume after the
    /// restart, and long-lived streams that depend on them end, so the front can drain).
    public var stopFirstServices: [any Service] {
        subsystem(DurableObjectsSubsystem.self).map { [$0.tasks] } ?? []
    }

    /// Dispatches `request` to the Worker. Never throws: errors become responses. Each request
    /// gets an id (`X-Request-Id` on the response) and a line in the access log.
    public func fetch(_ request: Request) async -> Response {
        let start = ContinuousClock.now
        let requestId = AccessLog.requestId(request)
        let execution = context.makeExecutionContext()
        var response: Response
        do {
            response = try await script.worker.fetch(request, env: env, context: execution)
        } catch let error as any HTTPError {
            response = error.response
        } catch {
            logger.error("Worker threw: \(error)", metadata: ["url": "\(request.url)", "requestId": "\(requestId)"])
            response = Response.jsonError(status: 500, code: "internal_error", message: "Worker threw exception: \(error)")
        }
        response.headers[Self.requestIdHeader] = requestId
        context.accessLog.record(AccessLog.Entry(
            time: Date(), requestId: requestId, method: request.method.rawValue, path: request.path,
            status: response.status.code, duration: .now - start, annotations: execution.annotated
        ))
        return response
    }

    static let requestIdHeader = HTTPField.Name("X-Request-Id")!

    /// Runs the Worker's `scheduled` handler for `cron`.
    public func scheduled(cron: String, scheduledTime: Int64? = nil) async throws {
        let controller = ScheduledController(scheduledTime: scheduledTime ?? clock.nowMilliseconds(), cron: cron)
        try await script.worker.scheduled(controller, env: env, context: context.makeExecutionContext())
    }

    /// Closes storage. Call after every service has stopped.
    public func close() {
        for s in subsystems.reversed() { s.close() }
    }
}
