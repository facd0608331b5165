import Foundation

// `outpost-bench SUITE…` runs the named suites and prints one table per suite.
let suites: [String: @Sendable () async throws -> Void] = [
    "kv": KVBench.run,
    "kv-writers": KVWritersBench.run,
    "containers": { try await ContainerBench.run() },
    "durable-objects": DurableObjectBench.run,
    "queues": { try await QueueBench.run() },
    "video": { try await VideoBench.run() },
    "platform": { try await PlatformBench.run() },
]

let requested = Array(CommandLine.arguments.dropFirst())
if requested.isEmpty || requested.contains("--help") {
    print("usage: outpost-bench SUITE…   suites: \(suites.keys.sorted().joined(separator: ", "))")
    exit(requested.isEmpty ? 1 : 0)
}
for name in requested {
    guard let suite = suites[name] else {
        print("unknown suite \(name); known: \(suites.keys.sorted().joined(separator: ", "))")
        exit(1)
    }
    try await suite()
}
