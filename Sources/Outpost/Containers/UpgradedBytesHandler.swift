import NIOCore
import NIOHTTP1

/// On a connection upgraded by a 101 (a WebSocket), passes the instance's raw bytes on as
/// response body parts, so the same demand-driven `ResponsePartStream` carries them.
final class UpgradedBytesHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTPClientResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.body(unwrapInboundIn(data))))
    }
}
