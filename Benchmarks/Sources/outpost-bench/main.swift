// outpost-bench SUITE…: runs the named benchmark suites (all when none is named).
import Foundation

let suites: [String: @Sendable () async throws -> Void] = [
    "containers": { try await ContainerBench.run() },
]

let requested = CommandLine.arguments.dropFirst().isEmpty ? suites.keys.sorted() : Array(CommandLine.arguments.dropFirst())
for name in requested {
    guard let suite = suites[name] else {
        FileHandle.standardError.write(Data("unknown suite \(name); known: \(suites.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    print("== \(name)")
    try await suite()
}
