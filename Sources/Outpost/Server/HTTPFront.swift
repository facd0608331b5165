public import Hummingbird
import HummingbirdCore
public import Logging
public import NIOCore

/// The HTTP server in front of a runtime: every request goes to the Worker, and a WebSocket
/// upgrade the Worker answers with a 101 (a Container) is tunnelled (`UpgradeTunnelChannel`).
public struct HTTPFront: Sendable {
    public let runtime: Runtime
    public let host: String
    public let port: Int
    /// Serve `GET /__scheduled?cron=…` to fire the `scheduled` handler by hand (`--test-scheduled`).
    public let testScheduled: Bool

    public init(runtime: Runtime, host: String = "127.0.0.1", port: Int = 8787, testScheduled: Bool = false) {
        self.runtime = runtime
        self.host = host
        self.port = port
        self.testScheduled = testScheduled
    }

    /// The Hummingbird application serving the Worker. `onServerRunning` gets the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let origin = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        var logger = runtime.logger
        logger.logLevel = max(logger.logLevel, .notice)
        return Application(
            responder: WorkerResponder(runtime: runtime, origin: origin, testScheduled: testScheduled),
            server: HTTPServerBuilder { [runtime] responder in UpgradeTunnelChannel(responder: responder, runtime: runtime, origin: origin) },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
