import NIOCore
import NIOHTTP1

/// Waits for an instance's port to answer HTTP; any response, whatever its status, means ready.
///
/// Cloudflare polls every 300 ms for up to 20 s. Here the first `fastPhase` polls every
/// `fastInterval` (5 ms) — a refused loopback connect costs microseconds — so a service that is
/// up in 10 ms is seen in 10 ms, not 300; after that the 300 ms interval applies.
public struct ReadinessProbe: Sendable {
    public var interval: Duration
    public var fastInterval: Duration
    public var fastPhase: Duration
    /// How long the port may take to answer (Cloudflare: 20 s).
    public var portTimeout: Duration
    /// The path probed ("/ping", from `pingEndpoint`).
    public var path: String

    public init(interval: Duration = .milliseconds(300), fastInterval: Duration = .milliseconds(5), fastPhase: Duration = .milliseconds(250),
                portTimeout: Duration = .seconds(20), path: String = "/ping") {
        self.interval = interval
        self.fastInterval = fastInterval
        self.fastPhase = fastPhase
        self.portTimeout = portTimeout
        self.path = path.hasPrefix("/") ? path : "/" + path
    }

    /// Returns once the port answered; throws when the process exits or `portTimeout` passes.
    func waitUntilReady(pool: ContainerConnectionPool, process: ContainerProcess) async throws(ContainerError) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + portTimeout
        while true {
            if let exit = process.exit {
                let why = process.lastErrorLine.map { " Its last error: \($0)" } ?? ""
                throw ContainerError(.exitedDuringStart, "Failed to start container: the process exited (\(exit)) before its port \(pool.connector.port) answered.\(why)")
            }
            if await attempt(pool: pool, until: deadline) { return }
            if Task.isCancelled { throw ContainerError(.startFailed, "Failed to start container: the start was cancelled.") }
            let now = clock.now
            if now >= deadline {
                throw ContainerError(.portTimeout,
                    "Failed to start container: nothing answered on port \(pool.connector.port) within \(portTimeout). Make sure the service listens on 127.0.0.1:$PORT.")
            }
            let step = now - start < fastPhase ? fastInterval : interval
            try? await Task.sleep(until: min(now + step, deadline), clock: clock)
        }
    }

    /// One probe: connect, send `GET path`, wait for a response head (until `deadline`, at most 2 s).
    private func attempt(pool: ContainerConnectionPool, until deadline: ContinuousClock.Instant) async -> Bool {
        guard let connection = try? await pool.connect() else { return false }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "host", value: "127.0.0.1:\(pool.connector.port)")
        head.headers.add(name: "user-agent", value: "outpost-readiness-probe")
        do {
            try await connection.write(.head(head), flush: false)
            try await connection.write(.end(nil), flush: true)
        } catch {
            connection.close()
            return false
        }
        let answered = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                guard let part = try? await connection.parts.next(), case .head(let h) = part else { return false }
                // Drain the answer so the connection can serve the first real request.
                while let p = try? await connection.parts.next() {
                    if case .end = p { break }
                }
                pool.release(connection, reusable: h.isKeepAlive)
                return true
            }
            group.addTask {
                try? await Task.sleep(until: min(.now + .seconds(2), deadline), clock: .continuous)
                return false
            }
            let first = await group.next() ?? false
            if !first { connection.close() }
            group.cancelAll()
            return first
        }
        return answered
    }
}
