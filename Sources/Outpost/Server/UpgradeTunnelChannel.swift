import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The HTTP front's connections: HTTP/1.1 for the Worker, and WebSocket upgrades the Worker answers
/// with a 101 (a Container tunnelling to its instance), relayed byte for byte.
///
/// NIO's upgrade handler sees the first request of a connection: an upgrade goes to the Worker
/// through `WorkerUpgrader`; on a 101 the connection switches to raw bytes, the client's bytes
/// become the upgrade request's body and the 101 response's body is written back, until either
/// side closes (which closes the other). Any other answer to an upgrade is sent as it is, and the
/// connection closes (NIO does not replay a request whose upgrade failed). A connection whose first
/// request is no upgrade continues as Hummingbird's HTTP/1.1; as in hummingbird-websocket, a
/// WebSocket upgrade later on such a kept-alive connection is redirected (307, close) so the
/// client retries it first on a fresh connection.
struct UpgradeTunnelChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case tunnel(NIOAsyncChannel<ByteBuffer, ByteBuffer>, Response, TunnelClientBytes)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let upgrader: WorkerUpgrader
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let runtime: Runtime
    let origin: String

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = WorkerUpgrader(runtime: runtime, origin: origin)
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        return .http(try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)))
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrade)
            configuration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            configuration.enableErrorHandling = false  // Hummingbird handles errors
            configuration.enableResponseHeaderValidation = false  // HTTP types validate already
            let limits = HTTP1Channel.Configuration().httpDecoder  // the same header limits as Hummingbird's HTTP/1.1
            configuration.decoderConfiguration.maxHeaderFieldSize = limits.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = limits.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = limits.maxHeaderFieldCount
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            // Right after the codec, before the upgrade handler: it stays when HTTP/1.1 takes over.
            let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<Negotiated>.self)
            try channel.pipeline.syncOperations.addHandler(MalformedRequestHandler(), position: .before(upgradeHandler))
            return Value(negotiated: negotiated, upgrader: upgrader, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let negotiated: Negotiated
        do {
            negotiated = try await value.negotiated.get()
        } catch {
            value.upgrader.abandon()
            logger.debug("Connection ended before its first request was handled: \(error)")
            return
        }
        switch negotiated {
        case .http(let http):
            if let refused = value.upgrader.takeRefusedResponse() {
                await Self.send(refused, on: http, logger: logger)
                return
            }
            let channel = UpgradeTunnelChannel(responder: Self.redirectingLateUpgrades(responder), runtime: runtime, origin: origin)
            await channel.handleHTTP(asyncChannel: http, logger: logger)
        case .tunnel(let tunnel, let response, let client):
            do {
                try await tunnel.executeThenClose { inbound, outbound in
                    client.attach(inbound)
                    for try await chunk in response.body { try await outbound.write(chunk) }
                }
            } catch {
                client.attach(nil)
                logger.debug("WebSocket tunnel ended: \(error)")
            }
        }
    }

    /// Sends the Worker's answer to an upgrade it refused, then closes the connection.
    static func send(_ response: Response, on http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        do {
            try await http.executeThenClose { _, outbound in
                var fields = response.headers
                fields[.connection] = "close"
                try await outbound.write(.head(HTTPResponse(status: response.status, headerFields: fields)))
                for try await chunk in response.body { try await outbound.write(.body(chunk)) }
                try await outbound.write(.end(nil))
            }
        } catch {
            logger.debug("Could not send the answer to a refused upgrade: \(error)")
        }
    }

    /// `base`, except that a WebSocket upgrade after the first request is redirected to a new connection.
    static func redirectingLateUpgrades(_ base: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        { request, writer, channel in
            if request.headers[.upgrade]?.lowercased() == "websocket" {
                var location = request.uri.path
                if let query = request.uri.query { location += "?" + query }
                try await writer.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
                throw RedirectedUpgrade()
            }
            try await base(request, writer, channel)
        }
    }

    /// Ends the connection after the redirect of a late upgrade.
    struct RedirectedUpgrade: Error {}
}
