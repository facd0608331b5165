import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Forwards a Workers `Request` to an instance's port over HTTP/1.1 and streams the answer back.
///
/// Request bodies stream out and response bodies stream in, chunk by chunk, at the same time: a
/// streamed request body keeps flowing to the service while the response head and body come back
/// (`ProxyRequestBody`). Connections are kept alive and reused for warm requests; a reused
/// connection that turns out dead before any answer is retried once on a fresh one when the
/// request body can be sent again.
///
/// A WebSocket (any `Upgrade` request) is tunnelled: the upgrade goes to the service with its
/// `Connection`/`Upgrade` headers, and when it answers 101 the connection carries raw bytes from
/// then on. The 101 `Response`'s body is the service's side of the tunnel and the request's body
/// is the client's: `dispatchFetch` and the HTTP front feed the client's bytes in as the request
/// body and relay the response body out. Each chunk either way renews sleepAfter; the tunnel
/// counts as in flight until either side closes, which closes the other.
public struct ContainerProxy: Sendable {
    let pool: ContainerConnectionPool
    public var port: Int { pool.connector.port }

    init(pool: ContainerConnectionPool) { self.pool = pool }

    /// Sends `request` and returns the response as soon as its head arrives.
    /// - Parameters:
    ///   - token: released when the exchange is over — body finished, failed or abandoned.
    ///   - activity: renewed by each chunk through an upgraded connection (each WebSocket message).
    public func fetch(_ request: Request, token: ActivityToken = .none, activity: ActivityMonitor? = nil) async throws -> Response {
        do {
            var attempt = 0
            while true {
                let (connection, reused) = try await pool.acquire()
                var upload: ProxyRequestBody?
                do {
                    upload = try await send(request, on: connection)
                    let head = try await readHead(connection)
                    if head.status.code == 101 && Self.isUpgrade(request) {
                        return try await tunnel(head, request: request, connection: connection, token: token, activity: activity)
                    }
                    return try await response(head, request: request, connection: connection, upload: upload, token: token)
                } catch let error as CancellationError {
                    upload?.cancel()
                    connection.close()
                    throw error
                } catch {
                    upload?.cancel()
                    connection.close()
                    // An upgrade's body only flows after a 101, so nothing of it was sent yet either.
                    if reused, attempt == 0, request.body.isReplayable || Self.isUpgrade(request) {
                        attempt += 1
                        continue
                    }
                    throw error
                }
            }
        } catch {
            token.release()
            if error is ContainerError || error is CancellationError { throw error }
            throw ContainerError(.connectionLost, "The connection to the container was lost.", cause: "\(error)")
        }
    }

    /// Writes the request head, and the body when it is at hand; a streamed body is returned as an
    /// upload in progress, so the response can be read while it flows.
    private func send(_ request: Request, on connection: HTTPConnection) async throws -> ProxyRequestBody? {
        var target = request.path
        if !request.query.isEmpty { target += "?" + request.query }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: target)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            head.headers.add(name: field.name.rawName, value: field.value)
        }
        if !head.headers.contains(name: "host") { head.headers.add(name: "host", value: "127.0.0.1:\(port)") }
        head.headers.remove(name: "content-length")
        if Self.isUpgrade(request), let upgrade = request.header("upgrade") {
            // The body of an upgrade is what the client sends after the 101: it waits for the tunnel.
            head.headers.add(name: "connection", value: "Upgrade")
            head.headers.add(name: "upgrade", value: upgrade)
            try await connection.write(.head(head), flush: false)
            try await connection.write(.end(nil), flush: true)
            return nil
        }
        let body = request.body
        if let length = body.knownLength {
            if length > 0 || request.method == .post || request.method == .put || request.method == .patch {
                head.headers.add(name: "content-length", value: String(length))
            }
        } else {
            head.headers.add(name: "transfer-encoding", value: "chunked")
        }
        if body.isEmpty {
            // Nothing to stream: no need to wait for the write; a failed write shows up as a failed read.
            connection.channel.write(HTTPClientRequestPart.head(head), promise: nil)
            connection.channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return nil
        }
        if !body.isReplayable {
            // Not awaited: the body's writes queue behind the head in order, and a failed write
            // shows up as a failed upload or read.
            connection.channel.writeAndFlush(HTTPClientRequestPart.head(head), promise: nil)
            return ProxyRequestBody.start(body, on: connection)
        }
        try await connection.write(.head(head), flush: false)
        for try await chunk in body where chunk.readableBytes > 0 {
            try await connection.write(.body(.byteBuffer(chunk)), flush: true)
        }
        try await connection.write(.end(nil), flush: true)
        return nil
    }

    private func readHead(_ connection: HTTPConnection) async throws -> HTTPResponseHead {
        while let part = try await connection.parts.next() {
            switch part {
            case .head(let head) where head.status.code >= 100 && head.status.code < 200 && head.status.code != 101:
                continue
            case .head(let head):
                return head
            case .body, .end:
                throw ContainerError(.connectionLost, "The container sent a body without a response head.")
            }
        }
        throw ContainerError(.connectionLost, "The container closed the connection before answering.")
    }

    private func response(_ head: HTTPResponseHead, request: Request, connection: HTTPConnection, upload: ProxyRequestBody?,
                          token: ActivityToken) async throws -> Response {
        var fields = HTTPFields()
        for (name, value) in head.headers {
            guard let n = HTTPField.Name(name), !Self.hopByHop.contains(n.canonicalName) else { continue }
            fields.append(HTTPField(name: n, value: value))
        }
        let keepAlive = head.isKeepAlive
        let length = head.headers.first(name: "content-length").flatMap(Int.init)
        let empty = request.method == .head || head.status.code == 204 || head.status.code == 304 || length == 0
        if empty {
            while let part = try await connection.parts.next() {
                if case .end = part { break }
            }
            let uploaded = upload?.isFinished ?? true
            upload?.cancel()
            pool.release(connection, reusable: keepAlive && uploaded)
            token.release()
            return Response(status: .init(code: Int(head.status.code)), headers: fields, body: .empty)
        }
        if let length { fields[.contentLength] = String(length) }
        let reader = ProxyResponseReader(connection: connection, pool: pool, keepAlive: keepAlive, upload: upload, token: token)
        return Response(status: .init(code: Int(head.status.code)), headers: fields, body: Body(stream: ProxyResponseBody(reader: reader), length: length))
    }

    /// Turns the connection into a tunnel after a 101: the answer's body is the service's bytes,
    /// the request's body is sent as the client's bytes.
    private func tunnel(_ head: HTTPResponseHead, request: Request, connection: HTTPConnection, token: ActivityToken,
                        activity: ActivityMonitor?) async throws -> Response {
        try await connection.switchToBytes()
        var fields = HTTPFields()
        for (name, value) in head.headers {
            guard let n = HTTPField.Name(name), n != .contentLength, n != .transferEncoding else { continue }
            fields.append(HTTPField(name: n, value: value))
        }
        let touch: @Sendable () -> Void = { activity?.touch() }
        let upload = request.body.isEmpty ? nil : ProxyRequestBody.start(request.body, on: connection, upgraded: true, onChunk: touch)
        let reader = ProxyResponseReader(connection: connection, pool: pool, keepAlive: false, upload: upload, token: token,
                                         upgraded: true, onChunk: touch)
        return Response(status: .init(code: 101), headers: fields, body: Body(stream: ProxyResponseBody(reader: reader)))
    }

    /// A request that asks to switch protocols (`Connection: Upgrade` with `Upgrade: …`, as a WebSocket does).
    static func isUpgrade(_ request: Request) -> Bool {
        guard request.header("upgrade") != nil, let connection = request.header("connection") else { return false }
        return connection.lowercased().split(separator: ",").contains { $0.split(separator: " ").first == "upgrade" }
    }

    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"]
}

extension Body {
    /// True when the body can be sent a second time (it is not a read-once stream).
    var isReplayable: Bool {
        if case .stream = storage { return false }
        return true
    }
}
