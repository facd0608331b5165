import Foundation
import Hummingbird
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// A container service: HTTP on `$PORT` with `/ping`, `/health` and the job endpoints, running a
/// ``JobHandler``'s operations on a fixed number of job threads.
///
/// `run()` returns after SIGTERM or SIGINT once in-flight requests (and so their jobs) have
/// finished, so `main` can simply return and the process exits 0.
public struct ContainerService<Handler: JobHandler>: Sendable {
    /// How the service runs.
    public let configuration: ServiceConfiguration
    /// The service's operations.
    public let handler: Handler
    /// The structured (JSON lines) logger the service writes to stdout.
    public let logger: Logger

    /// Creates a service; nothing runs until ``run(handleSignals:onRunning:)``.
    public init(configuration: ServiceConfiguration, handler: Handler) {
        self.configuration = configuration
        self.handler = handler
        var logger = Logger(label: configuration.name) { label in JSONLogHandler(label: label) }
        logger.logLevel = configuration.logLevel
        self.logger = logger
    }

    /// Serves until SIGTERM/SIGINT (when `handleSignals`), ``RunningService/shutdown()``, or
    /// cancellation of the calling task (which stops at once rather than draining).
    /// - Parameters:
    ///   - handleSignals: install SIGTERM/SIGINT handlers for graceful shutdown (off for in-process use).
    ///   - onRunning: called once the server accepts connections, with its port and a shutdown handle.
    public func run(handleSignals: Bool = true, onRunning: @escaping @Sendable (RunningService) async -> Void = { _ in }) async throws {
        let pool = NIOThreadPool(numberOfThreads: configuration.maxConcurrentJobs)
        pool.start()
        let stats = ServiceStats(service: configuration.name, maxConcurrentJobs: configuration.maxConcurrentJobs,
                                 scratchDirectory: configuration.scratchDirectory)
        let router = makeRouter(stats: stats, pool: pool)
        let configuration = configuration
        let logger = logger
        let group = GroupBox()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("listening", metadata: [
                    "host": "\(configuration.host)", "port": "\(port)", "concurrency": "\(configuration.maxConcurrentJobs)",
                    "scratch": "\(configuration.scratchDirectory)",
                ])
                ReadinessNotice.send()
                if let serviceGroup = group.value { await onRunning(RunningService(port: port, group: serviceGroup)) }
            },
            logger: logger
        )
        let serviceGroup = ServiceGroup(configuration: .init(
            // The shutdown notice is registered last so the group signals it first.
            services: [
                .init(service: app),
                .init(service: ShutdownNotice(logger: logger, stats: stats), successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger
        ))
        group.value = serviceGroup
        do {
            try await serviceGroup.run()
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
        try await pool.shutdownGracefully()
        logger.info("stopped", metadata: ["jobsSucceeded": "\(stats.snapshot().jobsSucceeded)", "jobsFailed": "\(stats.snapshot().jobsFailed)"])
    }

    func makeRouter(stats: ServiceStats, pool: NIOThreadPool) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        router.get("/ping") { _, _ in "pong" }
        router.get("/health") { _, _ in JSONResponse.make(status: 200, value: stats.snapshot()) }
        let outbox = JobOutbox(scratchDirectory: configuration.scratchDirectory)
        let endpoint = JobEndpoint(handler: handler, configuration: configuration, stats: stats, pool: pool, logger: logger, outbox: outbox)
        router.post("/jobs") { request, context in
            try await endpoint.handle(request, context: context, pathOperation: nil)
        }
        router.post("/jobs/{operation}") { request, context in
            try await endpoint.handle(request, context: context, pathOperation: context.parameters.get("operation"))
        }
        // Outputs the runtime pulls (see JobOutbox): streamed from their files, then let go.
        router.get("/outputs/{job}/{index}") { _, context in
            guard let job = context.parameters.get("job"), let index = context.parameters.get("index") else {
                throw ServiceError(statusCode: 404, code: "output_not_found", message: "No such output waits here.")
            }
            if let pipe = outbox.takeLive(job: job, index: index) {
                // Written live (JobOutputWriter): the bytes as the job writes them, chunked; the
                // body fails (the connection is cut) when the job gives the output up.
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                    do {
                        while let bytes = try await pipe.take() { try await writer.write(ByteBuffer(bytes: bytes)) }
                    } catch {
                        pipe.close()
                        throw error
                    }
                    try await writer.finish(nil)
                })
            }
            guard let file = outbox.file(job: job, index: index) else {
                throw ServiceError(statusCode: 404, code: "output_not_found", message: "No such output waits here.")
            }
            let body = try await FileIO().loadFile(path: file.path, context: context)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentLength: String(file.size)], body: body)
        }
        router.delete("/outputs/{job}") { _, context in
            outbox.remove(jobId: context.parameters.get("job") ?? "")
            return Response(status: .noContent)
        }
        handler.addRoutes(to: router)
        return router
    }
}

/// Hands the service group to the `onServerRunning` callback, which is built before the group.
// @unchecked Sendable: `value` is written once, before the group runs, and only read after the
// server is running (which happens-after `group.run()` starts).
private final class GroupBox: @unchecked Sendable {
    var value: ServiceGroup?
}

/// Logs `draining` (with the jobs still in flight) when a graceful shutdown begins.
private struct ShutdownNotice: Service {
    let logger: Logger
    let stats: ServiceStats

    func run() async throws {
        try await gracefulShutdown()
        logger.info("draining", metadata: ["jobsInFlight": "\(stats.snapshot().jobsInFlight)"])
    }
}

extension ContainerService {
    /// A service's whole `main`: the configuration from the environment (named after the
    /// descriptor's image, with its jobs per instance as the default concurrency), then serve
    /// until SIGTERM, with the heap set to give big blocks back (`HeapSettings`). A
    /// configuration error is printed and exits 1.
    public static func main(_ handler: Handler) async -> Never {
        HeapSettings.apply()
        let name = handler.descriptor?.image ?? "service"
        do {
            let configuration = try ServiceConfiguration.fromEnvironment(name: name, defaultConcurrency: handler.descriptor?.jobsPerInstance ?? 1)
            try await ContainerService(configuration: configuration, handler: handler).run()
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }
}
