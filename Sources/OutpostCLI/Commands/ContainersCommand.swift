import ArgumentParser
import Foundation
import Outpost

/// `outpost containers list|logs`: inspect container instances of the state directory.
struct ContainersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "containers", abstract: "Inspect container instances in the state directory.",
        subcommands: [List.self, Logs.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List instances as JSON: class, name, id, state, pid, port, uptime, last activity, memory (as last published by the runtime)."
        )
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            Console.json(ContainerInspector(stateDirectory: config.resolvedStateDirectory).list())
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the output of one instance (CLASS/NAME) or of every instance of CLASS.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "CLASS or CLASS/NAME (NAME: the object name given to idFromName, or its 64-hex id).")
        var target: String

        func run() async throws {
            let parts = target.split(separator: "/", maxSplits: 1).map(String.init)
            guard let className = parts.first, !className.isEmpty else { throw ValidationError("give CLASS or CLASS/NAME") }
            let files = try await userFacing {
                try ContainerInspector(stateDirectory: config.resolvedStateDirectory).logFiles(className: className, name: parts.count > 1 ? parts[1] : nil)
            }
            for file in files {
                if files.count > 1 { print("==> \((file as NSString).lastPathComponent) <==") }
                let data = FileManager.default.contents(atPath: file) ?? Data()
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

extension ConfigOptions {
    var resolvedStateDirectory: String { URL(fileURLWithPath: stateDirectory).standardizedFileURL.path }
}
