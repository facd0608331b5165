import Foundation
import OutpostTesting
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `outpost`-style server process for crash, restart and shutdown tests.
///
/// Starts `binary dev --port 0 …` in its own directory, waits for its "Ready on" line (an event,
/// not a sleep) and learns the port from it. `deinit` kills anything still running.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` and the output buffer are only touched under `lock` or before start.
    let process = ChildProcess()
    let directory: String
    private let lock = NSLock()
    private var output = ""
    private var outputEnded = false
    private(set) var port: Int = 0

    /// The directory holding the built products (the test bundle lives there too).
    static var binDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    /// Starts `product` (an executable of this package) with `dev` in `directory`, which must hold wrangler.toml.
    init(product: String = "outpost-testapp", directory: String, extraArguments: [String] = []) throws {
        self.directory = directory
        process.executableURL = URL(fileURLWithPath: Self.binDirectory + "/" + product)
        process.arguments = ["dev", "--port", "0", "--config", directory + "/wrangler.toml", "--persist-to", directory + "/state", "--log-level", "warning"] + extraArguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.lock()
            if data.isEmpty { self.outputEnded = true } else { self.output += String(decoding: data, as: UTF8.self) }
            self.lock.unlock()
            if data.isEmpty { handle.readabilityHandler = nil }
        }
        try process.run()
    }

    deinit { kill(signal: SIGKILL) }

    var log: String { lock.lock(); defer { lock.unlock() }; return output }

    /// Waits for the "Ready on http://host:port" line; throws if the process exits or `timeout` passes.
    func waitUntilReady(timeout: Double = HangGuard.seconds) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = log.range(of: #"Ready on http://[0-9.]+:([0-9]+)"#, options: .regularExpression) {
                let match = String(log[range])
                port = Int(match.split(separator: ":").last ?? "") ?? 0
                return
            }
            if !process.isRunning { throw ServerProcessError("server exited early with \(process.terminationStatus): \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerProcessError("server not ready after \(timeout)s: \(log)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func kill(signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Double = HangGuard.seconds) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { throw ServerProcessError("server still running after \(timeout)s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Its last words may still be in the pipe: wait for the end of output too (briefly, in case
        // a child the server left behind still holds the pipe).
        let outputDeadline = Date().addingTimeInterval(10)
        while !(lock.withLock { outputEnded }), Date() < outputDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Minimal HTTP client for tests (URLSession on Linux).
enum HTTP {
    /// `timeout` is URLSession's: the longest silence between bytes. It is a hang guard, long
    /// enough for a loaded machine, not a deadline.
    static func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:], timeout: Double = HangGuard.seconds) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = timeout
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
