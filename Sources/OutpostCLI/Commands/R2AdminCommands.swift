import ArgumentParser
import Foundation
import Outpost
import OutpostS3

extension R2Command {
    /// `outpost r2 credentials create|list|delete`: access keys for the S3 API.
    struct CredentialsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "credentials", abstract: "Access keys for R2's S3-compatible API.",
            subcommands: [Create.self, List.self, Delete.self]
        )

        struct State: ParsableArguments {
            @Option(name: .customLong("persist-to"), help: "Directory for all state.")
            var stateDirectory = ".outpost/state"

            func store() throws -> S3CredentialStore {
                let state = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
                return try S3CredentialStore(stateDirectory: state)
            }
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a key; prints {\"accessKeyId\", \"secretAccessKey\"} once (the secret is not shown again)."
            )
            @OptionGroup var state: State
            @Option(help: "A name to recognise the key by.") var name: String
            @Option(name: .customLong("bucket"), help: "Limit the key to this bucket. Repeatable; default: every bucket.") var buckets: [String] = []
            @Flag(name: .customLong("read-only"), help: "Allow reads and lists only.") var readOnly = false

            func run() async throws {
                let key = try state.store().create(name: name, buckets: buckets, readOnly: readOnly)
                Console.json(key)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List keys as JSON (without secrets).")
            @OptionGroup var state: State

            func run() async throws {
                Console.json(try state.store().list())
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a key.")
            @OptionGroup var state: State
            @Argument(help: "The access key id.") var accessKeyId: String

            func run() async throws {
                guard try state.store().delete(accessKeyId: accessKeyId) else { throw CLIError("no access key \(accessKeyId)") }
                Console.json(["success": true, "accessKeyId": .string(accessKeyId)] as JSONValue)
            }
        }
    }

    /// `outpost r2 bucket create|list|delete`, in the state directory.
    struct BucketCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bucket", abstract: "Create, list and delete buckets.",
            subcommands: [Create.self, List.self, Delete.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a bucket.")
            @OptionGroup var state: CredentialsCommand.State
            @Argument(help: "3 to 63 lowercase letters, digits and hyphens.") var name: String

            func run() async throws {
                let registry = S3BucketRegistry(stateDirectory: URL(fileURLWithPath: state.stateDirectory).standardizedFileURL.path)
                defer { registry.close() }
                guard try userFacingS3({ try registry.create(name) }) else { throw CLIError("the bucket \(name) exists already") }
                Console.json(["success": true, "name": .string(name)] as JSONValue)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List buckets as JSON.")
            @OptionGroup var state: CredentialsCommand.State

            func run() async throws {
                let registry = S3BucketRegistry(stateDirectory: URL(fileURLWithPath: state.stateDirectory).standardizedFileURL.path)
                let list = registry.list().map { JSONValue.object(["name": .string($0.name), "created": .string($0.created.formatted(.iso8601))]) }
                Console.json(JSONValue.array(list))
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete an empty bucket.")
            @OptionGroup var state: CredentialsCommand.State
            @Argument(help: "The bucket's name.") var name: String

            func run() async throws {
                let registry = S3BucketRegistry(stateDirectory: URL(fileURLWithPath: state.stateDirectory).standardizedFileURL.path)
                defer { registry.close() }
                try userFacingS3 { try registry.delete(name) }
                Console.json(["success": true, "name": .string(name)] as JSONValue)
            }
        }
    }
}

/// Runs a bucket operation, turning S3 errors into `error: …`.
func userFacingS3<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as any CustomStringConvertible & Error {
        throw CLIError(error.description)
    }
}
