import Foundation
import OutpostTesting

/// The real `code-executor` executable started the way the runtime starts a container instance:
/// through `outpost-sandbox` (its own uid, filesystem view, pid namespace, rlimits and seccomp
/// filter) with `--nested`, as wrangler.toml's `sandbox = { nested = true }` asks. The instance
/// keeps the host's network here so the test can reach its port; each run still gets a network
/// namespace of its own.
final class SandboxedService: @unchecked Sendable {
    let process = ChildProcess()
    let port: Int
    let scratch: TemporaryDirectory
    private let lock = NSLock()
    private var output = ""

    static var binDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    init() throws {
        port = try Ports.free()
        scratch = try TemporaryDirectory()
        let launcher = Self.binDirectory + "/outpost-sandbox"
        let binary = Self.binDirectory + "/code-executor"
        for path in [launcher, binary] where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestFailure("\(path) is missing: build with `swift build --build-tests` first")
        }
        process.executableURL = URL(fileURLWithPath: launcher)
        // The runtime's arguments for a standard-1 instance without a memory cgroup (ContainerLaunch).
        process.arguments = ["--dir", scratch.path, "--env", "PORT=\(port)", "--env", "TMPDIR=/scratch", "--env", "JOB_CONCURRENCY=10",
                             "--rlimit", "fsize=\(8_000_000_000)", "--rlimit", "nofile=65536", "--rlimit", "core=0",
                             "--rlimit", "data=\(4 * 1024 * 1024 * 1024)", "--nested"]
            + (FileManager.default.fileExists(atPath: "/opt/deno") ? ["--ro-bind", "/opt/deno"] : []) + ["--", binary]
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

    /// `POST /jobs/execute` with `params`; the run's result object.
    func execute(_ params: [String: Any]) async throws -> [String: Any] {
        let reply = try await ServiceHTTP.postJSON(baseURL + "/jobs/execute", ["params": params])
        guard reply.status == 200 else { throw TestFailure("execute answered \(reply.status): \(reply.text.prefix(500)); log: \(log.suffix(2000))") }
        return try #require(try reply.json()["result"] as? [String: Any])
    }

    /// The resident memory of the instance now: the launcher and every process below it, bytes.
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
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("still running; log: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

import Testing

/// Free TCP ports on 127.0.0.1.
enum Ports {
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw TestFailure("bind() failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A TCP listener on 127.0.0.1 of the host, counting the connections it accepts.
final class HostListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw TestFailure("listen failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connections waiting to be accepted (accepts and closes them).
    func acceptPending() -> Int {
        var count = 0
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return count }
            close(client)
            count += 1
        }
    }

    deinit { close(fd) }
}
