import Foundation

// `outpost-bench [suite…]`: runs the named suites (all when none are named) and prints results.
let suites: [(name: String, run: @Sendable () async throws -> Void)] = [
    ("video", { try await VideoBench.run() }),
]

let requested = Array(CommandLine.arguments.dropFirst())
let unknown = requested.filter { name in !suites.contains { $0.name == name } }
guard unknown.isEmpty else {
    print("unknown suite(s): \(unknown.joined(separator: ", ")); available: \(suites.map(\.name).joined(separator: ", "))")
    exit(2)
}
for suite in suites where requested.isEmpty || requested.contains(suite.name) {
    print("== \(suite.name)")
    try await suite.run()
}
