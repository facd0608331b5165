import Foundation
import Logging
import Outpost
import OutpostTesting
import Testing

/// Paths and helpers shared by the container and sandbox tests (real processes, real files).
enum ContainerTestSupport {
    static var binDirectory: String { ServerProcess.binDirectory }
    static var fixture: String { binDirectory + "/container-fixture" }
    static var launcher: String { binDirectory + "/outpost-sandbox" }

    /// A fresh state directory under /tmp.
    static func stateDirectory() -> String {
        let dir = NSTemporaryDirectory() + "outpost-containers-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func fixtureClass(_ name: String = "Fixture", maxInstances: Int = 20, memory: Int64? = nil) -> ContainerClass {
        ContainerClass(name: name, executable: fixture, maxInstances: maxInstances, memoryLimitBytes: memory)
    }

    /// Options with short timeouts so failures show quickly.
    static func options(sleepAfter: SleepAfter = .default, env: [String: String] = [:], internet: Bool = true,
                        portTimeout: Duration = .seconds(60), grace: Duration = .seconds(5)) -> ContainerStartOptions {
        ContainerStartOptions(sleepAfter: sleepAfter, envVars: env, enableInternet: internet,
                              probe: ReadinessProbe(portTimeout: portTimeout), stopGrace: grace)
    }

    /// Runs `body` with a running supervisor, then shuts it down; every process it started is gone after.
    static func withSupervisor<T: Sendable>(classes: [ContainerClass], stateDirectory: String = stateDirectory(),
                                            events: EventLog? = nil,
                                            _ body: (ContainerSupervisor) async throws -> T) async throws -> T {
        var logger = Logger(label: "test.containers")
        logger.logLevel = .warning
        var onEvent: (@Sendable (ContainerEvent) -> Void)?
        if let events { onEvent = { events.append($0) } }
        let supervisor = ContainerSupervisor(stateDirectory: stateDirectory, classes: classes, logger: logger,
                                             launcherPath: launcher, onEvent: onEvent)
        let runner = Task { try await supervisor.run() }
        defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
        do {
            let result = try await body(supervisor)
            runner.cancel()
            try await runner.value
            return result
        } catch {
            runner.cancel()
            try? await runner.value
            throw error
        }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func waitUntil(timeout: Duration = HangGuard.duration, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    static func json(_ response: Response) async throws -> [String: Any] {
        let text = try await response.body.text()
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func processExists(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// A TCP listener on the host's 127.0.0.1 (a free port), for the enableInternet tests.
    static func hostListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        try #require(ok)
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}

/// Collects supervisor events for assertions.
/// @unchecked Sendable: `events` is only touched under `lock`.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ContainerEvent] = []
    func append(_ e: ContainerEvent) { lock.withLock { events.append(e) } }
    var all: [ContainerEvent] { lock.withLock { events } }

    var startedCount: Int { all.filter { if case .started = $0 { true } else { false } }.count }
    var stops: [ContainerExit] { all.compactMap { if case .stopped(_, _, let exit) = $0 { exit } else { nil } } }
    var startFailures: [ContainerError] { all.compactMap { if case .startFailed(_, _, let e) = $0 { e } else { nil } } }
}
