import Foundation
import OutpostTesting

/// The real `ai-inference` executable, started as the runtime starts an instance: through
/// `outpost-sandbox` (its own uid, filesystem view, pid namespace, rlimits, seccomp) with
/// `/opt/ai-models` mapped read-only as wrangler.toml's `read_only_paths` asks — or, with
/// `sandboxed: false` and an environment, directly (for the start-up failures).
final class AIServiceProcess: @unchecked Sendable {
    let process = ChildProcess()
    let port: Int
    let scratch: String
    private let lock = NSLock()
    private var output = ""

    static var binDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    init(sandboxed: Bool = true, environment: [String: String] = [:]) throws {
        port = try FreePort.pick()
        scratch = NSTemporaryDirectory() + "ai-service-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let launcher = Self.binDirectory + "/outpost-sandbox"
        let binary = Self.binDirectory + "/ai-inference"
        for path in [launcher, binary] where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestFailure("\(path) is missing: build with `swift build --build-tests` first")
        }
        if sandboxed {
            process.executableURL = URL(fileURLWithPath: launcher)
            process.arguments = ["--dir", scratch, "--env", "PORT=\(port)", "--env", "TMPDIR=/scratch", "--env", "JOB_CONCURRENCY=2",
                                 "--rlimit", "nofile=65536", "--rlimit", "core=0", "--ro-bind", "/opt/ai-models"]
                + environment.flatMap { ["--env", "\($0.key)=\($0.value)"] } + ["--", binary]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["PORT": String(port)]) { $1 }) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: scratch)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.output += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: scratch)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { lock.lock(); defer { lock.unlock() }; return output }

    func waitUntilReady() async throws {
        do {
            try await ServiceHTTP.waitUntilAvailable(baseURL + "/ping", timeout: .seconds(120)) { process.isRunning }
        } catch {
            throw TestFailure("\(error); log: \(log)")
        }
    }

    /// Waits for the process to end by itself (a failed start); its exit status.
    func waitForExit() async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("still running; log: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Let the pipe's last bytes arrive.
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    /// `POST /jobs/<operation>` with `params`; the reply.
    func job(_ operation: String, _ params: [String: Any]) async throws -> HTTPReply {
        try await ServiceHTTP.postJSON(baseURL + "/jobs/" + operation, ["params": params])
    }

    /// The job's `result` object, or a failure with the reply.
    func result(_ operation: String, _ params: [String: Any]) async throws -> [String: Any] {
        let reply = try await job(operation, params)
        guard reply.status == 200, let result = try reply.json()["result"] as? [String: Any] else {
            throw TestFailure("\(operation) answered \(reply.status): \(reply.text.prefix(500)); log: \(log.suffix(2000))")
        }
        return result
    }

    /// Resident memory of the launcher and every process below it, bytes.
    func residentBytes() -> Int {
        var total = 0
        var pending = [process.processIdentifier]
        while let pid = pending.popLast() {
            if let statm = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8),
               let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
                total += pages * 4096
            }
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
                let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
                pending += children.split(separator: " ").compactMap { Int32($0) }
            }
        }
        return total
    }

    func stop() async throws {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        _ = try await waitForExit()
    }
}
