import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Decides a WebSocket upgrade at the HTTP front by asking the Worker: the upgrade request goes to
/// `fetch` like any other, and a 101 answer (a Container tunnelling to its instance) switches the
/// connection; any other answer is sent as an ordinary response.
///
/// One per connection. The Worker's request body is the client's side of the tunnel
/// (`TunnelClientBytes`), fed once the connection has switched.
final class WorkerUpgrader: NIOTypedHTTPServerProtocolUpgrader, Sendable {
    typealias UpgradeResult = UpgradeTunnelChannel.Negotiated

    let supportedProtocol = "websocket"
    /// Sec-WebSocket-Key and friends are the service's to check.
    let requiredUpgradeHeaders: [String] = []
    let runtime: Runtime
    let origin: String

    private enum State: Sendable {
        case idle
        case accepted(Response, TunnelClientBytes)
        case refused(Response)
        case done
    }

    private let state = NIOLockedValueBox(State.idle)

    /// Thrown to NIO so the request goes the ordinary HTTP way (with the Worker's answer kept).
    struct Refused: Error {}

    init(runtime: Runtime, origin: String) {
        self.runtime = runtime
        self.origin = origin
    }

    func buildUpgradeResponse(channel: any Channel, upgradeRequest head: HTTPRequestHead,
                              initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        let promise = channel.eventLoop.makePromise(of: HTTPHeaders.self)
        promise.completeWithTask { [self] in
            let client = TunnelClientBytes()
            var fields = HTTPFields()
            for (name, value) in head.headers {
                if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
            }
            let request = Request(method: HTTPRequest.Method(head.method.rawValue) ?? .get, url: origin + head.uri,
                                  headers: fields, body: Body(stream: client))
            let response = await runtime.fetch(request)
            guard response.status.code == 101 else {
                client.attach(nil)
                state.withLockedValue { $0 = .refused(response) }
                throw Refused()
            }
            state.withLockedValue { $0 = .accepted(response, client) }
            var headers = initialResponseHeaders  // connection: upgrade, upgrade: websocket
            for field in response.headers where !Self.ownHeaders.contains(field.name.canonicalName) {
                headers.add(name: field.name.rawName, value: field.value)
            }
            return headers
        }
        return promise.futureResult
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            let accepted = state.withLockedValue { state in
                defer { state = .done }
                return state
            }
            guard case .accepted(let response, let client) = accepted else { throw Refused() }
            do {
                let tunnel = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                          configuration: .init(isOutboundHalfClosureEnabled: true))
                return .tunnel(tunnel, response, client)
            } catch {
                client.attach(nil)
                throw error
            }
        }
    }

    /// The Worker's answer to an upgrade it refused, once.
    func takeRefusedResponse() -> Response? {
        state.withLockedValue { state in
            guard case .refused(let response) = state else { return nil }
            state = .done
            return response
        }
    }

    /// The connection failed before switching: the Worker's side sees an empty client.
    func abandon() {
        let client: TunnelClientBytes? = state.withLockedValue { state in
            defer { state = .done }
            if case .accepted(_, let client) = state { return client }
            return nil
        }
        client?.attach(nil)
    }

    /// Headers NIO writes itself on the 101.
    static let ownHeaders: Set<String> = ["connection", "upgrade", "content-length", "transfer-encoding"]
}
