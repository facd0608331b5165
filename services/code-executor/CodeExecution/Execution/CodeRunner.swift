import CodeExecutorDescriptor
import Crypto
import Foundation
import Glibc
import NIOConcurrencyHelpers
import OutpostJSON

/// Runs `execute` requests: stages the run's files in the instance's scratch space, compiles
/// (once per content hash) where the language needs it, then runs the program in a sandbox of
/// its own and reports what happened. Thread-safe: one call per job thread.
public struct CodeRunner: Sendable {
    /// The instance's scratch space for this service: `runs/` (one staging folder per run, removed
    /// after it), `artifacts/` (compiled programs by content hash), `go-cache/` (Go's build cache).
    public let scratchDirectory: String

    public init(scratchDirectory: String) {
        self.scratchDirectory = scratchDirectory
    }

    public func run(_ request: RunRequest) throws(SandboxError) -> RunResult {
        let language = request.language
        guard language.isAvailable else {
            throw .setup("the \(language.rawValue) toolchain (\(language.isCompiled ? language.compileCommand[0] : language.runtimeExecutable)) is not installed in this image")
        }
        let version = RuntimeVersions.version(of: language)
        let staging = try makeDirectory("runs/" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try write(request.code, to: staging + "/" + language.sourceFile)
        for (name, content) in request.files { try write(content, to: staging + "/" + name) }
        if let inputs = request.inputs { try write(inputs, to: staging + "/inputs.json") }
        if language == .sql {
            try write(request.schema, to: staging + "/schema.sql")
            try write(request.seed, to: staging + "/seed.sql")
        }

        var result = RunResult(language: language.rawValue, version: version, stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false,
                               stdoutBytes: 0, stderrBytes: 0, outputCapBytes: SandboxPolicy.outputCapBytes, timedOut: false, oomKilled: false,
                               compileError: false, wallMs: 0, cpuMs: 0, peakMemoryBytes: 0,
                               timeoutSeconds: request.timeoutSeconds, memoryLimitBytes: request.memoryBytes)
        var readOnly: [(host: String, sandbox: String)] = []
        if language.isCompiled {
            let compiled = try compile(language, version: version, request: request, staging: staging)
            result.compileMs = compiled.ms
            result.compileCached = compiled.cached
            guard let artifact = compiled.artifact else {
                result.compileError = true
                result.compileOutput = compiled.messages
                result.limitExceeded = compiled.limit
                return result
            }
            readOnly.append((artifact, "/app"))
        }

        var environment = language.runEnvironment
        if let inputs = request.inputs, inputs.utf8.count <= RunRequest.maxInputsEnvironmentBytes { environment["INPUTS"] = inputs }
        let cpuSeconds = Int(request.timeoutSeconds.rounded(.up)) + 1
        let command = SandboxCommand(program: language.runCommand(memoryBytes: request.memoryBytes) + request.args, environment: environment,
                                     stagingDirectory: staging, readOnly: readOnly, cpuSeconds: cpuSeconds,
                                     addressSpaceBytes: language.addressSpace(memoryBytes: request.memoryBytes),
                                     egress: request.allowNetworking ? EgressAccess.current : nil)
        let outcome = try Self.sandboxed(command, stdin: Array(request.stdin.utf8),
                                         watch: .init(wallSeconds: request.timeoutSeconds, memoryBytes: request.memoryBytes))
        result.stdout = String(decoding: outcome.stdout, as: UTF8.self)
        result.stderr = String(decoding: outcome.stderr, as: UTF8.self)
        result.stdoutBytes = outcome.stdoutBytes
        result.stderrBytes = outcome.stderrBytes
        result.stdoutTruncated = outcome.stdoutTruncated
        result.stderrTruncated = outcome.stderrTruncated
        result.exitCode = outcome.exitCode.map(Int.init)
        result.signal = outcome.signal.map(Self.signalName)
        result.timedOut = outcome.timedOut
        result.oomKilled = outcome.oomKilled
        result.limitExceeded = Self.limit(outcome, cpuSeconds: cpuSeconds)
            ?? (language.addressSpace(memoryBytes: request.memoryBytes) != nil && Self.reportsFailedAllocation(outcome) ? "memory" : nil)
        result.wallMs = outcome.wallMs
        result.cpuMs = outcome.cpuMs
        result.peakMemoryBytes = outcome.peakMemoryBytes
        if language == .sql, outcome.exitCode == 0, let parsed = try? JSONValue.parse(outcome.stdout) {
            result.results = parsed.objectValue?["results"]
        }
        return result
    }

    /// A compiled artifact's folder (holding `main`), or the compiler's messages.
    struct Compiled {
        var artifact: String?
        var messages: String
        var cached: Bool
        var ms: Double
        var limit: String?
    }

    private func compile(_ language: Language, version: String, request: RunRequest, staging: String) throws(SandboxError) -> Compiled {
        var hasher = SHA256()
        for part in [language.rawValue, version, request.code] + request.files.keys.sorted().flatMap({ [$0, request.files[$0]!] }) {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let artifacts = try makeDirectory("artifacts")
        let artifact = artifacts + "/" + hash
        if FileManager.default.isExecutableFile(atPath: artifact + "/main") {
            return Compiled(artifact: artifact, messages: "", cached: true, ms: 0)
        }
        let output = try makeDirectory("artifacts/tmp-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(atPath: output) }
        var readWrite = [(host: output, sandbox: "/out")]
        if language == .go { readWrite.append((host: try makeDirectory("go-cache"), sandbox: "/cache")) }
        let command = SandboxCommand(program: language.compileCommand, environment: language.compileEnvironment, stagingDirectory: staging,
                                     readWrite: readWrite, cpuSeconds: Int(SandboxPolicy.compileTimeoutSeconds) * 2, addressSpaceBytes: nil)
        let outcome = try Self.sandboxed(command, stdin: [],
                                         watch: .init(wallSeconds: SandboxPolicy.compileTimeoutSeconds, memoryBytes: SandboxPolicy.compileMemoryBytes))
        let messages = String(decoding: outcome.stderr + outcome.stdout, as: UTF8.self)
        guard outcome.exitCode == 0, FileManager.default.isExecutableFile(atPath: output + "/main") else {
            let limit = Self.limit(outcome, cpuSeconds: Int(SandboxPolicy.compileTimeoutSeconds) * 2)
            return Compiled(artifact: nil, messages: messages + (limit.map { "\ncompilation stopped: \($0) limit" } ?? ""),
                            cached: false, ms: outcome.wallMs, limit: limit)
        }
        // Another run may have compiled the same source meanwhile: either copy is the same program.
        if rename(output, artifact) != 0, !FileManager.default.isExecutableFile(atPath: artifact + "/main") {
            throw .setup("storing the compiled artifact: \(String(cString: strerror(errno)))")
        }
        return Compiled(artifact: artifact, messages: messages, cached: false, ms: outcome.wallMs)
    }

    /// Runs one sandboxed command with the seccomp program on fd 3. bubblewrap cannot create the
    /// namespaces (EAGAIN) while the processes of a run just killed (a fork bomb) still count
    /// against the instance's uid; the kernel frees them within moments, so that one failure
    /// is retried for up to `namespaceRetrySeconds` before it is the instance's fault.
    static func sandboxed(_ command: SandboxCommand, stdin: [UInt8], watch: SandboxedProcess.Watch) throws(SandboxError) -> SandboxedProcess.Outcome {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(namespaceRetrySeconds * 1e9)
        var pause: UInt32 = 10_000
        while true {
            do {
                return try sandboxedOnce(command, stdin: stdin, watch: watch)
            } catch {
                guard case .setup(let message) = error, message.contains("Resource temporarily unavailable"),
                      DispatchTime.now().uptimeNanoseconds < deadline else { throw error }
                usleep(pause)
                pause = min(pause * 2, 200_000)
            }
        }
    }

    static let namespaceRetrySeconds = 10.0

    private static func sandboxedOnce(_ command: SandboxCommand, stdin: [UInt8], watch: SandboxedProcess.Watch) throws(SandboxError) -> SandboxedProcess.Outcome {
        let bpf = try SeccompProgram.bpf.get()
        var seccompPipe: [Int32] = [-1, -1]
        let made = SpawnLock.lock.withLock { () -> Bool in
            guard pipe(&seccompPipe) == 0 else { return false }
            for fd in seccompPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return true
        }
        guard made else { throw .setup("pipe: \(String(cString: strerror(errno)))") }
        let written = bpf.withUnsafeBytes { Glibc.write(seccompPipe[1], $0.baseAddress, $0.count) }
        close(seccompPipe[1])
        defer { close(seccompPipe[0]) }
        guard written == bpf.count else { throw .setup("writing the seccomp program (\(written) of \(bpf.count) bytes)") }
        let cgroup = try RunCgroup.create(.init(memoryBytes: watch.memoryBytes))
        defer { cgroup?.remove() }
        let outcome = try SandboxedProcess.run(command, stdin: stdin, seccompFD: seccompPipe[0], cgroup: cgroup, watch: watch)
        // bubblewrap's own failures (it exits 1 and says so before the program starts) are the instance's fault.
        if outcome.exitCode == 1, outcome.stdoutBytes == 0, outcome.stderr.starts(with: Array("bwrap: ".utf8)) {
            throw .setup(String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return outcome
    }

    /// The limit that stopped the process, if one did.
    static func limit(_ outcome: SandboxedProcess.Outcome, cpuSeconds: Int) -> String? {
        if outcome.oomKilled { return "memory" }
        // A fork refused at pids.max, in a run that then failed (or never ended): the process limit.
        if outcome.processLimitHit, outcome.exitCode != 0 { return "processes" }
        if outcome.timedOut { return "timeout" }
        if let signal = outcome.signal, signal == SIGKILL || signal == SIGXCPU, outcome.cpuMs >= Double(cpuSeconds) * 1000 - 100 { return "cpu" }
        return nil
    }

    /// Whether a runtime with an address-space limit said an allocation failed (Python's
    /// MemoryError, Rust's allocation failure abort): the run's memory limit, not a bug of its own.
    static func reportsFailedAllocation(_ outcome: SandboxedProcess.Outcome) -> Bool {
        guard outcome.exitCode != 0 else { return false }
        let tail = String(decoding: outcome.stderr.suffix(4096), as: UTF8.self)
        return tail.contains("MemoryError") || tail.contains("memory allocation of")
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGXCPU: "SIGXCPU",
                                      SIGXFSZ: "SIGXFSZ", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL", SIGPIPE: "SIGPIPE",
                                      SIGSYS: "SIGSYS", SIGTRAP: "SIGTRAP", SIGINT: "SIGINT", SIGHUP: "SIGHUP"]
        return names[signal] ?? "signal \(signal)"
    }

    private func makeDirectory(_ relative: String) throws(SandboxError) -> String {
        let path = scratchDirectory + "/" + relative
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw .setup("creating \(path): \(error)")
        }
        return path
    }

    private func write(_ text: String, to path: String) throws(SandboxError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw .setup("writing \(path)")
        }
    }
}
