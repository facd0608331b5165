import ArgumentParser
import Foundation
import Outpost

/// Options every command shares: which configuration, which environment, which state directory.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Path to wrangler.toml.")
    var configPath = "wrangler.toml"

    @Option(name: .customLong("env"), help: "Use the [env.NAME] section of the configuration.")
    var environment: String?

    @Option(name: .customLong("persist-to"), help: "Directory for all state.")
    var stateDirectory = ".outpost/state"

    /// Loads the configuration, printing warnings to stderr; exits with the located error on failure.
    func load() throws -> WranglerConfig {
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
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func json(_ value: JSONValue) {
        print(value.serialized())
    }

    static func json(_ value: some Encodable) {
        let data = (try? JSONCoding.encoder.encode(value)) ?? Data("null".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A user-facing failure: printed as `error: …` with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
