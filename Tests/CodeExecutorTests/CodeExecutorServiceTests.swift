import CodeExecutorDescriptor
import Foundation
import OutpostTesting
import Testing

/// The service's HTTP face: bad input answered before anything runs, and the catalogues.
@Suite("Code executor: requests and catalogues", .serialized, .heavy)
struct CodeExecutorServiceTests {
    @Test func badInputIsRefusedAtSubmitAndCataloguesDescribeTheSandbox() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let url = service.baseURL + "/jobs/execute"

        let unknown = try await ServiceHTTP.postJSON(url, ["params": ["language": "cobol", "code": "x"]])
        #expect(unknown.status == 400 && unknown.errorCode == "invalid_parameter" && unknown.text.contains("language"), "\(unknown.text)")
        let tooMuchMemory = try await ServiceHTTP.postJSON(url, ["params": ["language": "python", "code": "x", "memoryLimit": 4096]])
        #expect(tooMuchMemory.status == 400 && tooMuchMemory.text.contains("memoryLimit"), "\(tooMuchMemory.text)")
        let tooLong = try await ServiceHTTP.postJSON(url, ["params": ["language": "python", "code": "x", "timeout": 3600]])
        #expect(tooLong.status == 400 && tooLong.text.contains("timeout"))
        let big = String(repeating: "#", count: CodeExecutorDescriptor.maxCodeBytes + 1)
        let oversize = try await ServiceHTTP.postJSON(url, ["params": ["language": "python", "code": big]])
        #expect(oversize.status == 413 && oversize.errorCode == "input_too_large", "\(oversize.status) \(oversize.text.prefix(200))")
        let badName = try await ServiceHTTP.postJSON(url, ["params": ["language": "python", "code": "x", "files": ["../escape.txt": "x"]]])
        #expect(badName.status == 400 && badName.text.contains("plain file names"), "\(badName.text)")
        let badArgs = try await ServiceHTTP.postJSON(url, ["params": ["language": "python", "code": "x", "args": ["ok": 1]]])
        #expect(badArgs.status == 400 && badArgs.text.contains("args"))

        // A compile error is a completed run (200) with the compiler's messages.
        let compile = try await service.execute(["language": "go", "code": "package main\nfunc main() { undefinedCall() }\n", "timeout": 30])
        #expect(compile["compileError"] as? Bool == true, "\(compile)")
        #expect((compile["compileOutput"] as? String ?? "").contains("undefined: undefinedCall"))

        let languages = try await ServiceHTTP.send("GET", service.baseURL + "/languages").json()
        let entries = try #require(languages["languages"] as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == CodeExecutorDescriptor.languages)
        let python = try #require(entries.first { $0["name"] as? String == "python" })
        #expect((python["version"] as? String ?? "").hasPrefix("Python 3."))
        #expect(python["available"] as? Bool == true)

        let policies = try await ServiceHTTP.send("GET", service.baseURL + "/security-policies").json()
        #expect(policies["namespaces"] as? [String] == ["user", "pid", "ipc", "uts", "net", "cgroup"])
        let seccomp = try #require(policies["seccomp"] as? [String: Any])
        #expect((seccomp["deniedSyscalls"] as? [String] ?? []).contains("ptrace"))
        let limits = try #require(policies["limits"] as? [String: Any])
        #expect(limits["outputCapBytes"] as? Int == 1 << 20)
        #expect((limits["memoryLimitMB"] as? [String: Any])?["max"] as? Double == Double(CodeExecutorDescriptor.memoryRange.upperBound))
        try await service.stop()
    }
}
