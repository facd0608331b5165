import Foundation
import Outpost
import OutpostTesting

/// A Worker that answers 404 to everything: for tests that only use bindings.
struct NullWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        Response(status: .notFound)
    }
}

enum TestConfig {
    static let kv = """
        name = "kv-test"
        [[kv_namespaces]]
        binding = "KV"
        id = "kv-test-ns"
        """
}

/// Boots a runtime with a KV namespace bound as KV and runs `body`.
func withKV<T: Sendable>(_ body: @Sendable (TestRuntime, KVNamespace) async throws -> T) async throws -> T {
    try await TestRuntime.with(config: TestConfig.kv, script: WorkerScript(worker: NullWorker())) { t in
        try await body(t, try t.kv("KV"))
    }
}

/// Expects `body` to throw an error whose description is exactly `message`.
func expectError(_ message: String, sourceLocation: SourceLocationForHelpers = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected error \"\(message)\", got success", sourceLocation: sourceLocation)
    } catch {
        #expect("\(error)" == message, sourceLocation: sourceLocation)
    }
}

import Testing
typealias SourceLocationForHelpers = SourceLocation
