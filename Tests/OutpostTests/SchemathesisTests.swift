import Foundation
import OutpostTesting
import Testing

/// Schemathesis (from PyPI) fuzzes every operation of `/openapi.json` against a real `outpost dev`
/// serving the Pitchey app with an admin key: no 5xx, every response as the document says.
@Suite("API contract under schemathesis", .serialized)
struct SchemathesisTests {
    @Test("schemathesis finds no server error and no response that breaks the document")
    func noServerErrorsNorSchemaViolations() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: root + "/wrangler.toml", toPath: dir + "/wrangler.toml")
        let server = try ServerProcess(product: "outpost", directory: dir, extraArguments: [
            "--var", "API_KEYS:root:admin:st-admin-key", "--var", "RATE_LIMIT_PER_MINUTE:10000000", "--var", "RATE_LIMIT_BURST:1000000",
        ])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        // Bounded so it fits in CI: a few examples per operation, two workers, a fixed seed.
        let (status, stdout, stderr) = try await ChildProcess.run("/usr/bin/env", [
            "schemathesis", "run", "\(server.baseURL)/openapi.json", "-H", "X-API-Key: st-admin-key",
            "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance",
            // One worker: CPython 3.11's ast module is not thread-safe, and hypothesis trips on it with two.
            "--max-examples", "5", "-w", "1", "--phases", "examples,fuzzing,stateful", "--request-timeout", "70", "--seed", "20261206", "--no-color",
        ], environment: ProcessInfo.processInfo.environment.merging(["SCHEMATHESIS_HOOKS": ""]) { $1 })
        let report = String(decoding: stdout + stderr, as: UTF8.self)
        // The failures section names each operation before its (possibly huge) reproduction.
        let failures = report.range(of: "FAILURES").map { String(report[$0.lowerBound...].prefix(4000)) } ?? ""
        #expect(status == 0, "schemathesis reported problems:\n\(failures)\n…\n\(report.suffix(3000))")
        #expect(report.contains("Test cases:"), "\(report.suffix(2000))")
    }
}
