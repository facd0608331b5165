import Logging
import NIOCore
import NIOPosix

/// One connection from an instance to its egress proxy: reads the request head, asks the policy,
/// then either answers (520 blocked, 400 unreadable, 502 unreachable) and closes, or connects to
/// the upstream from the host namespace and relays bytes both ways until either side closes.
///
/// A plain HTTP request is forwarded with an origin-form target and `Connection: close`, so each
/// proxy connection carries one request; a `CONNECT` tunnel carries whatever the client speaks
/// (TLS for HTTPS). Backpressure: a side whose peer cannot take more stops reading until it can.
final class EgressProxyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case readingHead([UInt8])
        case connecting(pending: [ByteBuffer])
        case relaying(upstream: any Channel)
        case finished
    }

    private let policy: EgressPolicy
    private let group: any EventLoopGroup
    private let logger: Logger
    private let instance: String
    private var state = State.readingHead([])

    init(policy: EgressPolicy, group: any EventLoopGroup, logger: Logger, instance: String) {
        self.policy = policy
        self.group = group
        self.logger = logger
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state {
        case .readingHead(var bytes):
            bytes += buffer.readableBytesView
            guard let end = Self.endOfHead(bytes) else {
                if bytes.count > EgressRequest.maxHeadBytes {
                    answer(context, status: "400 Bad Request", "Request head over \(EgressRequest.maxHeadBytes) bytes.")
                } else {
                    state = .readingHead(bytes)
                }
                return
            }
            handle(context, head: Array(bytes[..<end]), rest: Array(bytes[(end + 4)...]))
        case .connecting(var pending):
            pending.append(buffer)
            state = .connecting(pending: pending)
        case .relaying(let upstream):
            upstream.writeAndFlush(buffer, promise: nil)
            if !upstream.isWritable { context.channel.setOption(.autoRead, value: false).whenComplete { _ in } }
        case .finished:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .relaying(let upstream) = state, context.channel.isWritable {
            upstream.setOption(.autoRead, value: true).whenComplete { _ in }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .relaying(let upstream) = state { Self.closeAfterPendingWrites(upstream) }
        state = .finished
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ context: ChannelHandlerContext, head: [UInt8], rest: [UInt8]) {
        let request: EgressRequest
        do {
            request = try EgressRequest.parse(head)
        } catch {
            answer(context, status: "400 Bad Request", "Outpost egress proxy: \(error.message).")
            return
        }
        let target = "\(request.host):\(request.port)"
        let verb = request.kind == .connect ? "CONNECT" : "HTTP"
        switch policy.decision(for: request.host) {
        case .blocked(let block):
            logger.warning("Egress blocked for \(instance): \(verb) \(target): \(block)")
            // 520, as Cloudflare answers a container's blocked request.
            answer(context, status: "520 Egress Blocked", "Outpost egress proxy blocked \(request.host): \(block).")
        case .allowed:
            logger.debug("Egress for \(instance): \(verb) \(target)")
            connect(context, request, rest: rest)
        }
    }

    private func connect(_ context: ChannelHandlerContext, _ request: EgressRequest, rest: [UInt8]) {
        var first: [ByteBuffer] = []
        if case .forward(let upstreamHead) = request.kind { first.append(context.channel.allocator.buffer(bytes: upstreamHead)) }
        if !rest.isEmpty { first.append(context.channel.allocator.buffer(bytes: rest)) }
        state = .connecting(pending: first)
        let client = context.channel
        client.setOption(.autoRead, value: false).whenComplete { _ in }
        // Connected from an event loop thread: the runtime's (host) network namespace.
        let connected = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    try upstream.pipeline.syncOperations.addHandler(EgressRelayHandler(peer: client))
                }
            }
            .connect(host: request.host, port: request.port)
        connected.assumeIsolated().whenComplete { result in
            guard case .connecting(let pending) = self.state else {
                if case .success(let upstream) = result { upstream.close(promise: nil) }
                return
            }
            switch result {
            case .failure(let error):
                self.logger.debug("Egress for \(self.instance): cannot reach \(request.host):\(request.port): \(error)")
                self.answer(context, status: "502 Bad Gateway", "Outpost egress proxy cannot reach \(request.host):\(request.port): \(error).")
            case .success(let upstream):
                self.state = .relaying(upstream: upstream)
                if request.kind == .connect {
                    context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n")),
                                          promise: nil)
                }
                for buffer in pending { upstream.write(buffer, promise: nil) }
                upstream.flush()
                client.setOption(.autoRead, value: true).whenComplete { _ in }
            }
        }
    }

    /// Answers with a short text body and closes the connection.
    private func answer(_ context: ChannelHandlerContext, status: String, _ message: String) {
        state = .finished
        let body = message + "\n"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Closes `channel` once what was already written to it has gone out: a plain `close` would
    /// drop the bytes still queued behind backpressure (the end of a download whose upstream closed).
    static func closeAfterPendingWrites(_ channel: any Channel) {
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The index of the blank line ending the head ("\r\n\r\n"), if it arrived.
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// The upstream side of an egress connection: passes the upstream's bytes to the instance's
/// connection (`peer`) and closes it when the upstream closes, once those bytes are out.
final class EgressRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let peer: any Channel

    init(peer: any Channel) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
        if !peer.isWritable { context.channel.setOption(.autoRead, value: false).whenComplete { _ in } }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { peer.setOption(.autoRead, value: true).whenComplete { _ in } }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        EgressProxyHandler.closeAfterPendingWrites(peer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
