public import Foundation

/// A container service's real executable (a product of this package) as a child process on a
/// free port, directly or through a launcher such as `outpost-sandbox`.
///
/// Found beside the test bundle (the build's bin directory). Readiness is polled on `/ping`;
/// `deinit` kills the process if a test left it running.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before `run()` and then only queried; `output` is
    // only touched under `lock`.
    public let process = ChildProcess()
    public let port: Int
    public let scratch: TemporaryDirectory
    private let lock = NSLock()
    private var output = ""
    private var outputEnded = false

    /// The directory the test bundle was built into, where the package's executables are.
    public static var binDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    /// The path of the package's executable `product`; throws when it has not been built.
    public static func executable(_ product: String) throws -> String {
        let path = binDirectory + "/" + product
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: build with `swift build --build-tests` first")
        }
        return path
    }

    /// Starts `product` with `PORT` and `TMPDIR` (a fresh scratch directory, also its working
    /// directory) added to this process's environment and to `environment`.
    public convenience init(product: String, environment: [String: String] = [:]) throws {
        let port = try FreePort.pick()
        let scratch = try TemporaryDirectory(prefix: product + "-tests")
        var env = ProcessInfo.processInfo.environment
        env["PORT"] = String(port)
        env["TMPDIR"] = scratch.path
        env.merge(environment) { _, new in new }
        try self.init(executable: Self.executable(product), arguments: [], environment: env, port: port, scratch: scratch)
    }

    /// Starts `executable` with `arguments`; the service must listen on `port`. `scratch` is
    /// its working directory, removed with this value.
    public init(executable: String, arguments: [String], environment: [String: String]?, port: Int, scratch: TemporaryDirectory) throws {
        self.port = port
        self.scratch = scratch
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            guard !data.isEmpty else {
                // End of file: the process and everything it started have closed the pipe.
                handle.readabilityHandler = nil
                self.lock.lock()
                self.outputEnded = true
                self.lock.unlock()
                return
            }
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

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Everything the process has written to stdout and stderr so far.
    public var log: String { lock.lock(); defer { lock.unlock() }; return output }

    public func waitUntilReady(timeout: Duration = HangGuard.duration) async throws {
        do {
            try await ServiceHTTP.waitUntilAvailable(baseURL + "/ping", timeout: timeout) { process.isRunning }
        } catch {
            throw TestFailure("\(error); log: \(log)")
        }
    }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits until the process has logged `text` (polled; an event, not a fixed sleep).
    public func waitForLog(_ text: String, timeout: Duration = HangGuard.duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else { throw TestFailure("no \(text) in log after \(timeout): \(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for the process to exit, and for the last of its output, and returns its status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("still running after \(timeout); log: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Then the last of its output: the pipe's end, or a little later if a child holds it open.
        let drained = ContinuousClock.now + .seconds(2)
        while !lock.withLock({ outputEnded }), ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then waits for the exit (a generous minute: a loaded machine is slow to schedule it).
    public func stop() async throws {
        signal(SIGTERM)
        try await waitForExit(timeout: .seconds(60))
    }

    /// The resident memory of the process and every process below it now, in bytes.
    public func residentBytes() -> Int {
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
}
