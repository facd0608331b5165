import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The code-executor through the platform with the repository's wrangler.toml: bad parameters
/// refused at submit (400, 413 for code over its size), and a run end to end through
/// `POST /api/code/execute` (the orchestrator starts a real, nested-sandbox instance).
@Suite("Code executor routes", .serialized, .heavy)
struct CodeExecutorRoutesTests {
    @Test func submitChecksParametersAndARunCompletesEndToEnd() async throws {
        try await Platform.with { p in
            let (unknown, unknownError) = try await p.post("/api/code/execute", ["language": "cobol", "code": "x"])
            #expect(unknown == 400 && unknownError["error"]?["code"] == "invalid_parameter", "\(unknownError)")
            let (memory, memoryError) = try await p.post("/api/code/execute", ["language": "python", "code": "x", "memoryLimit": 4096])
            #expect(memory == 400 && (memoryError["error"]?["message"]?.stringValue ?? "").contains("memoryLimit"), "\(memoryError)")
            let big = String(repeating: "#", count: 64 * 1024 + 1)
            let (oversize, oversizeError) = try await p.post("/api/code/execute", ["language": "python", "code": .string(big)])
            #expect(oversize == 413 && oversizeError["error"]?["code"] == "input_too_large", "\(oversizeError)")

            let (status, submitted) = try await p.post("/api/code/execute", [
                "language": "python", "code": "import json, sys\nprint(json.load(open('inputs.json'))['who'], sys.argv[1], open('data.txt').read())",
                "args": ["arg1"], "files": ["data.txt": "from a file"], "inputs": ["who": "investor"],
            ])
            #expect(status == 202, "\(submitted)")
            let job = try await p.waitForJob(try #require(submitted["id"]?.stringValue), timeout: 180)
            #expect(job["status"] == "succeeded", "\(job)")
            #expect(job["result"]?["stdout"] == "investor arg1 from a file\n", "\(job)")
            #expect(job["result"]?["exitCode"] == 0)

            let (languagesStatus, languages) = try await p.get("/api/code/languages")
            #expect(languagesStatus == 200, "\(languages)")
            #expect(languages["languages"]?.arrayValue?.count == 6)
            let (policiesStatus, policies) = try await p.get("/api/code/security-policies")
            #expect(policiesStatus == 200 && policies["namespaces"]?.arrayValue?.count == 6, "\(policies)")
        }
    }
}
