import Foundation
import OutpostTesting

/// The real `video-processor` executable as a child process on a free port.
///
/// Found beside the test bundle (the build's bin directory). Readiness is polled on `/ping`;
/// `deinit` kills the process if a test left it running.
final class ServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before `run()` and then only queried; `output` is
    // only touched under `lock`.
    let process = ChildProcess()
    let port: Int
    let scratch: TemporaryDirectory
    private let lock = NSLock()
    private var output = ""

    static var binDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    init(product: String = "video-processor", environment: [String: String] = [:]) throws {
        port = try FreePort.pick()
        scratch = try TemporaryDirectory()
        let binary = Self.binDirectory + "/" + product
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("\(binary) is missing: build with `swift build --build-tests` first")
        }
        process.executableURL = URL(fileURLWithPath: binary)
        var env = ProcessInfo.processInfo.environment
        env["PORT"] = String(port)
        env["TMPDIR"] = scratch.path
        env.merge(environment) { _, new in new }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
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
        scratch.remove()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var log: String { lock.lock(); defer { lock.unlock() }; return output }

    func waitUntilReady() async throws {
        do {
            try await ServiceHTTP.waitUntilAvailable(baseURL + "/ping", timeout: .seconds(60)) { process.isRunning }
        } catch {
            throw TestFailure("\(error); log: \(log)")
        }
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits until the process has logged `text` (polled; an event, not a fixed sleep).
    func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else { throw TestFailure("no \(text) in log after \(timeout): \(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("still running after \(timeout); log: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}
