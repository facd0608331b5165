import Foundation

/// `validate`: the language's own syntax check, run sandboxed, plus the advisory policy findings.
public struct ValidationReport: Codable, Sendable {
    public var language: String
    public var version: String
    public var valid: Bool
    /// The parser's or compiler's messages (empty when valid).
    public var errors: String
    public var findings: [PolicyFinding]
    public var wallMs: Double
}

extension CodeRunner {
    public func validate(language: Language, code: String) throws(SandboxError) -> ValidationReport {
        guard language.isAvailable else { throw .setup("the \(language.rawValue) toolchain is not installed in this image") }
        let version = RuntimeVersions.version(of: language)
        let staging = scratchDirectory + "/runs/" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw .setup("creating \(staging): \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        guard FileManager.default.createFile(atPath: staging + "/" + language.sourceFile, contents: Data(code.utf8)) else {
            throw .setup("writing the source")
        }
        let command = SandboxCommand(program: language.syntaxCheckCommand, environment: language.runEnvironment, stagingDirectory: staging,
                                     cpuSeconds: Int(SandboxPolicy.compileTimeoutSeconds), addressSpaceBytes: nil)
        let outcome = try Self.sandboxed(command, stdin: [], watch: .init(wallSeconds: SandboxPolicy.compileTimeoutSeconds,
                                                                          memoryBytes: SandboxPolicy.compileMemoryBytes))
        let messages = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self)
        // gofmt -l prints the file's name when it is valid but unformatted: not an error.
        let valid = outcome.exitCode == 0
        return ValidationReport(language: language.rawValue, version: version, valid: valid,
                                errors: valid ? "" : messages.trimmingCharacters(in: .whitespacesAndNewlines),
                                findings: PolicyRules.findings(code, language: language), wallMs: outcome.wallMs)
    }
}
