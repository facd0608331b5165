import ArgumentParser
import Foundation
import Logging
import Outpost
import OutpostS3
import ServiceLifecycle
import UnixSignals

/// `outpost dev`: serve the Worker locally with durable state.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dev", abstract: "Serve the Worker on a local port.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8787

    @Option(help: "Address to listen on.")
    var ip = "127.0.0.1"

    @Option(name: .customLong("s3-port"), help: "Port for R2's S3-compatible API: default 8788 (a free one when --port is 0); 0 turns it off.")
    var s3Port: Int?

    @Option(name: .customLong("var"), help: "Override a var or secret: NAME:VALUE. Repeatable.")
    var vars: [String] = []

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    @Flag(name: .customLong("test-scheduled"), help: "Serve GET /__scheduled?cron=… to run the scheduled handler by hand.")
    var testScheduled = false

    @Flag(name: .customLong("metrics"), inversion: .prefixedNo, help: "Record metrics for /metrics (--no-metrics: record nothing, to measure their cost).")
    var metrics = true

    func run() async throws {
        var overrides: [String: String] = [:]
        for v in vars {
            guard let (name, value) = DevVars.parseOverride(v) else {
                throw ValidationError("--var must look like NAME:VALUE, got \"\(v)\"")
            }
            overrides[name] = value
        }
        // An explicit 0 turns S3 off; with no --s3-port it follows --port: a free port when that is 0.
        let s3Bind: Int? = s3Port.map { $0 == 0 ? nil : $0 } ?? (port == 0 ? 0 : S3Server.defaultPort)
        // A fixed S3 port is known before the Worker starts: it sees the endpoint (e.g. for /health).
        if let s3Bind, s3Bind != 0, overrides["OUTPOST_S3_ENDPOINT"] == nil { overrides["OUTPOST_S3_ENDPOINT"] = "http://\(ip):\(s3Bind)" }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "outpost")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let runtime: Runtime
        do {
            runtime = try Runtime(
                options: RuntimeOptions(
                    configPath: options.configPath, environment: options.environment,
                    stateDirectory: options.stateDirectory, varOverrides: overrides, logger: logger, metrics: metrics
                ),
                script: ScriptRegistry.current
            )
        } catch let error as ConfigError {
            Console.error("\(error)")
            throw ExitCode(1)
        }

        let front = HTTPFront(runtime: runtime, host: ip, port: port, testScheduled: testScheduled)
        let app = front.application { boundPort in
            Console.error("Ready on http://\(ip):\(boundPort) (state in \(runtime.stateDirectory))")
        }
        // Runtime services first: the group stops them last, after the HTTP front has drained.
        // Background operations of objects last: they are told first, so streams waiting on them end.
        var servers: [any Service] = [app]
        var s3: S3Server?
        if let s3Bind {
            let server = try S3Server(runtime: runtime, host: ip, port: s3Bind)
            servers.append(server.application { boundPort in
                Console.error("S3 API on http://\(ip):\(boundPort) (path-style, region auto; keys: outpost r2 credentials create)")
            })
            s3 = server
        }
        let services: [any Service] = runtime.services + servers + runtime.stopFirstServices
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        s3?.buckets.close()
        runtime.close()
        Console.error("Stopped cleanly")
    }
}
