import ArgumentParser
import Foundation
import Outpost

/// `outpost queues list|send|purge`: work on the queues of the state directory, with or without a running server.
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Inspect and feed the queues in the state directory.",
        subcommands: [List.self, Send.self, Purge.self]
    )

    struct Target: ParsableArguments {
        @OptionGroup var config: ConfigOptions

        func store() throws -> (QueueStore, WranglerConfig) {
            let cfg = try config.load()
            let store = try QueueStore(stateDirectory: URL(fileURLWithPath: config.stateDirectory).standardizedFileURL.path, clock: RuntimeClock())
            return (store, cfg)
        }
    }

    /// Every queue the configuration names, plus any the state directory holds messages for.
    static func queueNames(_ config: WranglerConfig, _ store: QueueStore) throws -> [String] {
        var names = Set(config.queueProducers.map(\.queue) + config.queueConsumers.map(\.queue))
        names.formUnion(config.queueConsumers.compactMap(\.deadLetterQueue))
        names.formUnion(try store.knownQueues())
        return names.sorted()
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each queue's depth, in-flight, delayed and dead-lettered counts as JSON.")
        @OptionGroup var target: Target

        func run() async throws {
            let (store, config) = try target.store()
            for name in try QueuesCommand.queueNames(config, store) {
                Console.json(try store.counts(queue: name))
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send one message; prints its id as JSON.")
        @OptionGroup var target: Target
        @Argument(help: "The queue name.") var queue: String
        @Argument(help: "The body: JSON text with --content-type json (the default), anything with text.") var body: String
        @Option(name: .customLong("content-type"), help: "json, text or bytes.") var contentType = "json"
        @Option(name: .customLong("delay-seconds"), help: "Deliver after this many seconds (0…43200).") var delaySeconds: Int?

        func run() async throws {
            let (store, _) = try target.store()
            guard let type = QueueContentType(rawValue: contentType) else {
                throw ValidationError("--content-type must be json, text, bytes or v8")
            }
            let producer = store.queue(named: queue)
            let id: String = try await userFacing {
                switch type {
                case .json, .v8:
                    let value: JSONValue
                    do { value = try JSONValue.parse(body) } catch { throw CLIError("BODY is not valid JSON; pass --content-type text to send it as text") }
                    return try await producer.send(value, contentType: type, delaySeconds: delaySeconds)
                case .text: return try await producer.send(body, contentType: .text, delaySeconds: delaySeconds)
                case .bytes: return try await producer.send(Array(body.utf8), contentType: .bytes, delaySeconds: delaySeconds)
                }
            }
            Console.json(["success": true, "queue": .string(queue), "id": .string(id)] as JSONValue)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every message of a queue.")
        @OptionGroup var target: Target
        @Argument(help: "The queue name.") var queue: String

        func run() async throws {
            let (store, _) = try target.store()
            let deleted = try await store.purge(queue: queue)
            Console.json(["success": true, "queue": .string(queue), "deleted": .number(Double(deleted))] as JSONValue)
        }
    }
}
