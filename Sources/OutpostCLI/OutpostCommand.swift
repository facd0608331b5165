public import ArgumentParser
public import Outpost
import NIOConcurrencyHelpers

/// The `outpost` command line. An app binary calls `OutpostCommand.main(script:)` with its
/// Worker script and gets every command.
public struct OutpostCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "outpost",
        abstract: "Run Cloudflare Workers, Durable Objects, KV, R2, Queues and Containers on one machine.",
        subcommands: [DevCommand.self, KVCommand.self, R2Command.self, DurableObjectCommand.self, QueuesCommand.self, KeysCommand.self, ContainersCommand.self]
    )

    public init() {}

    /// Runs the CLI for `script`.
    public static func main(script: WorkerScript) async {
        ScriptRegistry.script.withLockedValue { $0 = script }
        await main()
    }
}

/// The Worker script the running binary was built with.
enum ScriptRegistry {
    static let script = NIOLockedValueBox<WorkerScript?>(nil)

    static var current: WorkerScript {
        guard let s = script.withLockedValue({ $0 }) else { preconditionFailure("OutpostCommand.main(script:) was not used") }
        return s
    }
}
