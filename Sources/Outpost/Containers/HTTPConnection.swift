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
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTPRequestEncoder(), name: encoderName)
                    // After a 101 the bytes that follow the response head belong to the new protocol: keep them.
                    try pipeline.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)), name: decoderName)
                    try pipeline.addHandler(ResponsePartHandler(parts: parts))
                }
            }
            .withConnectedSocket(socket)
            .get()
        parts.attach(channel)
        return HTTPConnection(channel: channel, parts: parts)
    }

    private static let encoderName = "outpost-http-encoder"
    private static let decoderName = "outpost-http-decoder"

    var isActive: Bool { channel.isActive && !parts.isFinished }

    /// After a 101 answer: the connection carries raw bytes both ways (a WebSocket, or any upgraded
    /// protocol). Bytes from the instance arrive in `parts` as `.body`; `writeBytes` sends bytes as they are.
    func switchToBytes() async throws {
        try await channel.eventLoop.flatSubmit { [channel] () -> EventLoopFuture<Void> in
            do {
                let pipeline = channel.pipeline.syncOperations
                let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self)
                try pipeline.addHandler(UpgradedBytesHandler(), position: .after(decoder))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
            // Removing the decoder hands the bytes it held past the 101 to UpgradedBytesHandler.
            return channel.pipeline.removeHandler(name: Self.decoderName).flatMap {
                channel.pipeline.removeHandler(name: Self.encoderName)
            }
        }.get()
    }

    /// Sends `bytes` as they are (after `switchToBytes`).
    func writeBytes(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes).get()
    }

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
