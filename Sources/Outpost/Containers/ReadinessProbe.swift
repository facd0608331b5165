import NIOCore
import NIOHTTP1

/// Waits for an instance's port to answer HTTP; any response, whatever its status, means ready.
///
/// Cloudflare polls every 300 ms for up to 20 s. Here the first `fastPhase` polls every
/// `fastInterval` (5 ms) — a refused loopback connect costs microseconds — so a service that is
/// up in 10 ms is seen in 10 ms, not 300; after that the 300 ms interval applies.
///
/// For the default port the probe also waits on the instance's readiness pipe: a service built on
/// ServiceKit writes one byte there the moment it listens (`OUTPOST_READY_FD`), which ends the
/// wait at once, without a poll's delay or round trip. Polling runs beside it regardless, so an
/// image that never writes (not built on ServiceKit) starts exactly as before.
public struct ReadinessProbe: Sendable {
    /// How an instance was seen ready.
    public enum Signal: Sendable, Equatable {
        /// The service wrote to its readiness pipe.
        case notified
        /// A poll of the port answered.
        case answered
    }

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

    /// Returns once the service said it listens (when `notification`) or the port answered, and how;
    /// throws when the process exits or `portTimeout` passes.
    /// - Parameter notification: also wait on the readiness pipe (the default port: the one the
    ///   service's notice is about).
    func waitUntilReady(pool: ContainerConnectionPool, process: ContainerProcess, notification: Bool) async throws(ContainerError) -> Signal {
        guard notification else {
            try await waitUntilReady(pool: pool, process: process)
            return .answered
        }
        let first = await withTaskGroup(of: Result<Signal, ContainerError>?.self) { group in
            group.addTask { await process.waitForReadyNotice() ? .success(.notified) : nil }
            group.addTask {
                do throws(ContainerError) {
                    try await self.waitUntilReady(pool: pool, process: process)
                    return .success(.answered)
                } catch {
                    return .failure(error)
                }
            }
            // No notice (the pipe closed without a byte) leaves the polling to decide.
            while let next = await group.next() {
                if let next {
                    group.cancelAll()
                    return next
                }
            }
            return Result<Signal, ContainerError>.failure(ContainerError(.startFailed, "Failed to start container: the start was cancelled."))
        }
        return try first.get()
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
        // The answer (drained whole, so the connection can serve the first real request) races a
        // timer, and the probe itself may be cancelled (the readiness notice came first). Only
        // the outcome decides, here, whether the connection goes to the pool or is closed: a
        // reader that finished after losing the race must not pool a connection being closed,
        // which the first job would then get and find closed.
        let outcome = await withTaskGroup(of: ProbeOutcome.self) { group in
            group.addTask {
                guard let part = try? await connection.parts.next(), case .head(let h) = part else { return .noAnswer }
                while let p = try? await connection.parts.next() {
                    if case .end = p { return .answered(keepAlive: h.isKeepAlive) }
                }
                return .answered(keepAlive: false)  // a head is an answer; the cut connection is not kept
            }
            group.addTask {
                try? await Task.sleep(until: min(.now + .seconds(2), deadline), clock: .continuous)
                return .noAnswer
            }
            let first = await group.next() ?? .noAnswer
            // Closing ends a read still waiting (the group waits for it before returning).
            if case .noAnswer = first { connection.close() }
            group.cancelAll()
            return first
        }
        guard case .answered(let keepAlive) = outcome else { return false }
        pool.release(connection, reusable: keepAlive)
        return true
    }

    private enum ProbeOutcome: Sendable {
        case answered(keepAlive: Bool)
        case noAnswer
    }
}
