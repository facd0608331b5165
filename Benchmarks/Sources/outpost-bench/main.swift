import Foundation

// outpost-bench [SUITE…]: runs the named suites (all when none is named) and prints their reports.
let suites: [String: @Sendable () async throws -> Void] = [
    "queues": { try await QueueBench.run() },
]

let requested = CommandLine.arguments.dropFirst().isEmpty ? suites.keys.sorted() : Array(CommandLine.arguments.dropFirst())
for name in requested {
    guard let suite = suites[name] else {
        FileHandle.standardError.write(Data("unknown suite \(name); known: \(suites.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    try await suite()
}
