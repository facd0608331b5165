public import ArgumentParser
public import Outpost
import NIOConcurrencyHelpers

/// The `outpost` command line. An app binary calls `OutpostCommand.main(script:)` with its
/// Worker script and gets every command, plus any commands of its own.
public struct OutpostCommand: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "outpost",
            abstract: "Run Cloudflare Workers, Durable Objects, KV, R2, Queues and Containers on one machine.",
            subcommands: [DevCommand.self, TailCommand.self, KVCommand.self, R2Command.self, DurableObjectCommand.self, QueuesCommand.self, ContainersCommand.self, BackupCommand.self]
                + ScriptRegistry.commands.withLockedValue { $0 }
        )
    }

    public init() {}

    /// Runs the CLI for `script`, with the app's own `commands` beside the built-in ones.
    public static func main(script: WorkerScript, commands: [any ParsableCommand.Type] = []) async {
        ScriptRegistry.script.withLockedValue { $0 = script }
        ScriptRegistry.commands.withLockedValue { $0 = commands }
        await main()
    }
}

/// The Worker script the running binary was built with, and its app's commands.
enum ScriptRegistry {
    static let script = NIOLockedValueBox<WorkerScript?>(nil)
    static let commands = NIOLockedValueBox<[any ParsableCommand.Type]>([])

    static var current: WorkerScript {
        guard let s = script.withLockedValue({ $0 }) else { preconditionFailure("OutpostCommand.main(script:) was not used") }
        return s
    }
}
