import NIOCore
import NIOHTTP1

/// Feeds a connection's response parts into its `ResponsePartStream`.
final class ResponsePartHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let parts: ResponsePartStream

    init(parts: ResponsePartStream) { self.parts = parts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parts.push(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        parts.readComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        parts.finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        parts.finish(error)
        context.close(promise: nil)
    }
}
