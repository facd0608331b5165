public import ArgumentParser
import Foundation
public import Outpost

/// Options every command shares: which configuration, which environment, which state directory.
public struct ConfigOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(name: .customLong("config"), help: "Path to wrangler.toml.")
    public var configPath = "wrangler.toml"

    @Option(name: .customLong("env"), help: "Use the [env.NAME] section of the configuration.")
    public var environment: String?

    @Option(name: .customLong("persist-to"), help: "Directory for all state.")
    public var stateDirectory = ".outpost/state"

    /// Loads the configuration, printing warnings to stderr; exits with the located error on failure.
    public func load() throws -> WranglerConfig {
        do {
            let (config, warnings) = try ConfigLoader.load(path: configPath, environment: environment)
            for w in warnings { Console.error("\(w)") }
            return config
        } catch let error as ConfigError {
            Console.error("\(error)")
            throw ExitCode(1)
        }
    }
}

/// Output for scripts (stdout, JSON) and for people (stderr).
public enum Console {
    public static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    public static func json(_ value: JSONValue) {
        print(value.serialized())
    }

    public static func json(_ value: some Encodable) {
        let data = (try? JSONCoding.encoder.encode(value)) ?? Data("null".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A user-facing failure: printed as `error: …` with exit code 1.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
