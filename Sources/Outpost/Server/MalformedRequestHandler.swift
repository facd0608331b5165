import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser cannot read (a request line and headers over the decoder's
/// limits, or bytes that are not HTTP) with a JSON 400 naming the problem, then closes the
/// connection. Without it such a client waited for an answer that never came.
///
/// It sits right after NIO's HTTP codec, where NIO's own protocol error handler would (that one
/// answers with no body and no content type). It only listens to inbound events and passes every
/// read on untouched: after a WebSocket upgrade the same pipeline carries raw bytes both ways.
final class MalformedRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The malformed request was answered (the parser may report more errors after the first).
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let message = parserError == .headerOverflow
            ? "The request line and headers are over the 80 KiB limit: send long values in the body."
            : "The request is not valid HTTP/1.1 (\(parserError))."
        let body = JSONValue.object(["error": ["code": "malformed_request", "message": .string(message)]]).serialized()
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        // Half-close, and read what the client is still sending for a moment before closing:
        // closing with unread bytes would reset the connection and lose the answer.
        let loop = context.eventLoop
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.close(mode: .output, promise: nil)
            loop.scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
    }
}
