import ArgumentParser
import Foundation
import Outpost

/// `outpost kv key put|get|delete|list`.
struct KVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Read and write KV namespaces in the state directory.",
        subcommands: [KeyCommand.self]
    )

    struct KeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key", abstract: "Work with keys.",
            subcommands: [Put.self, Get.self, Delete.self, List.self]
        )
    }

    struct Target: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(help: "The binding name of the namespace ([[kv_namespaces]] binding).")
        var binding: String

        func namespace() throws -> (KVNamespace, KVStore) {
            let cfg = try config.load()
            guard let ns = cfg.kvNamespace(binding: binding) else {
                let known = cfg.kvNamespaces.map(\.binding).joined(separator: ", ")
                throw CLIError("no KV namespace is bound as \(binding) in \(config.configPath) (bound: \(known.isEmpty ? "none" : known))")
            }
            let store = try KVStore(stateDirectory: URL(fileURLWithPath: config.stateDirectory).standardizedFileURL.path, clock: RuntimeClock())
            return (store.namespace(id: ns.id), store)
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store a value (from VALUE or --path).")
        @OptionGroup var target: Target
        @Argument var key: String
        @Argument var value: String?
        @Option(help: "Read the value from this file.") var path: String?
        @Option(help: "Expire after this many seconds (≥ 60).") var ttl: Int?
        @Option(help: "Expire at this time (seconds since the epoch).") var expiration: Int?
        @Option(help: "Metadata as JSON.") var metadata: String?

        func run() async throws {
            let (ns, _) = try target.namespace()
            let bytes: [UInt8]
            if let path {
                guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
                bytes = Array(data)
            } else if let value {
                bytes = Array(value.utf8)
            } else {
                throw ValidationError("give a VALUE or --path")
            }
            var meta: JSONValue?
            if let metadata {
                do { meta = try JSONValue.parse(metadata) } catch { throw CLIError("--metadata is not valid JSON") }
            }
            try await userFacing { try await ns.put(key, bytes: bytes, options: KVPutOptions(expiration: expiration, expirationTtl: ttl, metadata: meta)) }
            Console.json(["success": true, "key": .string(key)] as JSONValue)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a value (raw), or with --metadata as JSON.")
        @OptionGroup var target: Target
        @Argument var key: String
        @Flag(help: "Print {\"value\", \"metadata\"} as JSON.") var metadata = false

        func run() async throws {
            let (ns, _) = try target.namespace()
            let found = try await userFacing { try await ns.getBytesWithMetadata(key) }
            guard let found else {
                Console.error("Value not found")
                throw ExitCode(1)
            }
            if metadata {
                Console.json(["value": .string(String(decoding: found.value, as: UTF8.self)), "metadata": found.metadata ?? .null] as JSONValue)
            } else {
                FileHandle.standardOutput.write(Data(found.value))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key.")
        @OptionGroup var target: Target
        @Argument var key: String

        func run() async throws {
            let (ns, _) = try target.namespace()
            try await userFacing { try await ns.delete(key) }
            Console.json(["success": true, "key": .string(key)] as JSONValue)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys as JSON.")
        @OptionGroup var target: Target
        @Option(help: "Only keys starting with this.") var prefix: String?
        @Option(help: "At most this many keys per page (≤ 1000).") var limit: Int?
        @Option(help: "Continue from a previous list's cursor.") var cursor: String?

        func run() async throws {
            let (ns, _) = try target.namespace()
            let result = try await userFacing { try await ns.list(KVListOptions(prefix: prefix, limit: limit, cursor: cursor)) }
            Console.json(result)
        }
    }
}

/// Runs a binding call, turning its user-facing errors into `error: …` and exit code 1.
public func userFacing<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as any HTTPError {
        throw CLIError(error.message)
    }
}
