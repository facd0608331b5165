import ArgumentParser
import Foundation
import Functions
import Outpost
import OutpostCLI

/// `outpost keys create --name N --role R`: a new Pitchey API key, stored hashed in a KV namespace
/// (`APIKeyRecord`, which the Worker reads).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys (stored as SHA-256 hashes in a KV namespace).",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it once, as JSON.")
        @OptionGroup var config: ConfigOptions
        @Option(help: "Who holds the key; becomes the caller id.") var name: String
        @Option(help: "admin, user or viewer.") var role: String
        @Option(help: "The KV namespace binding keys are stored in.") var binding = "AUTH_KV"

        func run() async throws {
            guard ["admin", "user", "viewer"].contains(role) else {
                throw ValidationError("--role must be admin, user or viewer, got \"\(role)\"")
            }
            guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
            let cfg = try config.load()
            guard let ns = cfg.kvNamespace(binding: binding) else {
                throw CLIError("no KV namespace is bound as \(binding) in \(config.configPath); add [[kv_namespaces]] binding = \"\(binding)\"")
            }
            let store = try KVStore(stateDirectory: URL(fileURLWithPath: config.stateDirectory).standardizedFileURL.path, clock: RuntimeClock())
            let key = APIKeyRecord.generateKey()
            let record = APIKeyRecord(name: name, role: role, createdAt: Int(Date().timeIntervalSince1970))
            try await userFacing { try await store.namespace(id: ns.id).put(APIKeyRecord.storageKey(for: key), json: record) }
            Console.json(["key": .string(key), "name": .string(name), "role": .string(role)] as JSONValue)
        }
    }
}
