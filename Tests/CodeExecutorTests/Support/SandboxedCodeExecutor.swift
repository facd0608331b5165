import Foundation
import OutpostTesting
import Testing

extension ServiceProcess {
    /// The real `code-executor` executable started the way the runtime starts a container
    /// instance: through `outpost-sandbox` (its own uid, filesystem view, pid namespace, rlimits
    /// and seccomp filter) with `--nested`, as wrangler.toml's `sandbox = { nested = true }`
    /// asks. The instance keeps the host's network here so the test can reach its port; each run
    /// still gets a network namespace of its own.
    static func sandboxedCodeExecutor() throws -> ServiceProcess {
        let port = try FreePort.pick()
        let scratch = try TemporaryDirectory(prefix: "code-executor-tests")
        let launcher = try executable("outpost-sandbox")
        let binary = try executable("code-executor")
        // The runtime's arguments for a standard-1 instance without a memory cgroup (ContainerLaunch).
        let arguments = ["--dir", scratch.path, "--env", "PORT=\(port)", "--env", "TMPDIR=/scratch", "--env", "JOB_CONCURRENCY=10",
                         "--rlimit", "fsize=\(8_000_000_000)", "--rlimit", "nofile=65536", "--rlimit", "core=0",
                         "--rlimit", "data=\(4 * 1024 * 1024 * 1024)", "--nested"]
            + (FileManager.default.fileExists(atPath: "/opt/deno") ? ["--ro-bind", "/opt/deno"] : []) + ["--", binary]
        return try ServiceProcess(executable: launcher, arguments: arguments, environment: nil, port: port, scratch: scratch)
    }

    /// `POST /jobs/execute` with `params`; the run's result object.
    func execute(_ params: [String: Any]) async throws -> [String: Any] {
        let reply = try await ServiceHTTP.postJSON(baseURL + "/jobs/execute", ["params": params])
        guard reply.status == 200 else { throw TestFailure("execute answered \(reply.status): \(reply.text.prefix(500)); log: \(log.suffix(2000))") }
        return try #require(try reply.json()["result"] as? [String: Any])
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
