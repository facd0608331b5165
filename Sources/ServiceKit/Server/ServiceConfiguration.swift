import Foundation
public import Logging

/// How a container service runs, read from the environment the runtime gives it.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `PORT` | port to listen on (0 picks a free one) | 8080 |
/// | `HOST` | `0.0.0.0` (or `all`) to listen on every interface, or an address | 127.0.0.1 |
/// | `JOB_CONCURRENCY` | jobs decoded at once; more wait their turn | the service's default |
/// | `MAX_INPUT_BYTES` | largest input accepted (413 beyond) | 2 GiB |
/// | `TMPDIR` | scratch directory for inputs | the working directory |
/// | `LOG_LEVEL` | trace, debug, info, notice, warning, error | info |
public struct ServiceConfiguration: Sendable {
    /// The service name, used in logs and `/health`.
    public var name: String
    /// Address to bind.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Jobs processed at once.
    public var maxConcurrentJobs: Int
    /// Largest input accepted, in bytes.
    public var maxInputBytes: Int64
    /// Directory for input scratch files.
    public var scratchDirectory: String
    /// Minimum level logged.
    public var logLevel: Logger.Level

    /// Creates a configuration; `scratchDirectory` defaults to the working directory.
    public init(
        name: String, host: String = "127.0.0.1", port: Int = 8080, maxConcurrentJobs: Int = 1,
        maxInputBytes: Int64 = 2 << 30, scratchDirectory: String? = nil,
        logLevel: Logger.Level = .info
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.maxConcurrentJobs = max(1, maxConcurrentJobs)
        self.maxInputBytes = maxInputBytes
        self.scratchDirectory = scratchDirectory ?? FileManager.default.currentDirectoryPath
        self.logLevel = logLevel
    }

    /// Reads the configuration from environment variables (see the table above).
    /// - Parameters:
    ///   - name: the service name.
    ///   - defaultConcurrency: jobs at once when `JOB_CONCURRENCY` is not set.
    ///   - environment: the variables; the process environment by default.
    public static func fromEnvironment(
        name: String, defaultConcurrency: Int, environment: [String: String]? = nil
    ) throws(ServiceError) -> ServiceConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        func integer(_ key: String, default value: Int64, range: ClosedRange<Int64>) throws(ServiceError) -> Int64 {
            guard let text = environment[key], !text.isEmpty else { return value }
            guard let parsed = Int64(text), range.contains(parsed) else {
                throw .badRequest("\(key) must be a whole number in \(range.lowerBound)…\(range.upperBound), got \"\(text)\".", code: "invalid_environment")
            }
            return parsed
        }
        let host: String
        switch environment["HOST"]?.lowercased() {
        case nil, "", "localhost", "127.0.0.1": host = "127.0.0.1"
        case "0.0.0.0", "all", "*", "any": host = "0.0.0.0"
        case let other?: host = other
        }
        let scratch = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
        let level = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        return ServiceConfiguration(
            name: name, host: host,
            port: Int(try integer("PORT", default: 8080, range: 0...65535)),
            maxConcurrentJobs: Int(try integer("JOB_CONCURRENCY", default: Int64(defaultConcurrency), range: 1...256)),
            maxInputBytes: try integer("MAX_INPUT_BYTES", default: 2 << 30, range: 1...(1 << 50)),
            scratchDirectory: scratch, logLevel: level
        )
    }
}
