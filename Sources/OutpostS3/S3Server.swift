public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import Outpost

/// R2's S3-compatible API on its own port, over the runtime's R2 stores (path-style, SigV4).
public struct S3Server: Sendable {
    /// The port `outpost dev` serves S3 on unless told otherwise (`--s3-port`; 0 turns it off).
    public static let defaultPort = 8788

    public let buckets: S3BucketRegistry
    public let credentials: S3CredentialStore
    public let host: String
    public let port: Int
    let api: S3API

    /// - Parameters:
    ///   - devKey: an access key from `.dev.vars` (`R2_ACCESS_KEY_ID`, `R2_SECRET_ACCESS_KEY`), with access to every bucket.
    public init(buckets: S3BucketRegistry, credentials: S3CredentialStore, devKey: (id: String, secret: String)? = nil,
                host: String = "127.0.0.1", port: Int = S3Server.defaultPort, logger: Logger) {
        self.buckets = buckets
        self.credentials = credentials
        self.host = host
        self.port = port
        api = S3API(buckets: buckets, authenticator: S3Authenticator(credentials: credentials, devKey: devKey), logger: logger)
    }

    /// Serves the API over the runtime's stores, with its `.dev.vars` key if it has one.
    public init(runtime: Runtime, host: String = "127.0.0.1", port: Int = S3Server.defaultPort) throws {
        let stores = runtime.subsystem(R2Subsystem.self)?.stores ?? [:]
        let devKey = runtime.env["R2_ACCESS_KEY_ID"].flatMap { id in runtime.env["R2_SECRET_ACCESS_KEY"].map { (id: id, secret: $0) } }
        self.init(
            buckets: S3BucketRegistry(stateDirectory: runtime.stateDirectory, shared: stores, clock: runtime.clock),
            credentials: try S3CredentialStore(stateDirectory: runtime.stateDirectory),
            devKey: devKey, host: host, port: port, logger: runtime.logger
        )
    }

    /// The Hummingbird application; `onServerRunning` gets the bound port.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = api.logger
        logger.logLevel = max(logger.logLevel, .notice)
        return Application(
            responder: S3Responder(api: api),
            server: .http1(configuration: .init(additionalChannelHandlers: [S3ContinueHandler()])),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}

struct S3Responder: HTTPResponder {
    typealias Context = BasicRequestContext
    let api: S3API

    func respond(to request: Hummingbird.Request, context: Context) async throws -> Hummingbird.Response {
        await api.respond(to: request)
    }
}
