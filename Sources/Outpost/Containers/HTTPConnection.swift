import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 client connection to an instance, used by one request at a time.
///
/// Reads are driven by demand (autoRead off): the consumer of a response pulls parts, and only an
/// empty buffer triggers the next socket read, so a slow client slows the instance down instead
/// of buffering its whole stream in memory.
final class HTTPConnection: Sendable {
    let channel: any Channel
    let parts: ResponsePartStream

    private init(channel: any Channel, parts: ResponsePartStream) {
        self.channel = channel
        self.parts = parts
    }

    /// Wraps an already connected socket.
    static func open(socket: Int32, group: any EventLoopGroup) async throws -> HTTPConnection {
        let parts = ResponsePartStream()
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponsePartHandler(parts: parts))
                }
            }
            .withConnectedSocket(socket)
            .get()
        parts.attach(channel)
        return HTTPConnection(channel: channel, parts: parts)
    }

    var isActive: Bool { channel.isActive && !parts.isFinished }

    func write(_ part: HTTPClientRequestPart, flush: Bool) async throws {
        if flush {
            try await channel.writeAndFlush(part).get()
        } else {
            channel.write(part, promise: nil)
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}
