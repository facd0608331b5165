import Functions
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix
import Outpost

// A measurement prototype for issue 19 item 6: the Pitchey Worker behind a lean SwiftNIO HTTP/1
// pipeline (decoder → HTTPTypes codec → one handler that calls `Runtime.fetch`), instead of
// Hummingbird's NIOAsyncChannel-per-connection front. It keeps what the `http` suite exercises
// (request heads, small bodies collected, response bodies written as they come) and leaves out
// what `HTTPFront` also does (upgrades, request-body streaming and limits, graceful drain): it is
// the upper bound of what a lean front could win on `GET /health`, not a replacement.
//
// usage: nio-front PORT CONFIG STATE_DIR
let arguments = CommandLine.arguments
let port = Int(arguments[1])!
var logger = Logger(label: "nio-front")
logger.logLevel = .warning
let runtime = try Runtime(
    options: RuntimeOptions(configPath: arguments[2], stateDirectory: arguments[3], logger: logger),
    script: Pitchey.script
)
let origin = "http://127.0.0.1:\(port)"

final class WorkerHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart
    let runtime: Runtime
    var head: HTTPRequest?
    var body: ByteBuffer?

    init(runtime: Runtime) { self.runtime = runtime }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h; body = nil
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let h = head else { return }
            head = nil
            let request = Request(method: h.method, url: origin + (h.path ?? "/"), headers: h.headerFields, body: body.map { Body($0) } ?? .empty)
            let channel = context.channel
            let loop = context.eventLoop
            let runtime = self.runtime
            Task {
                let response = await runtime.fetch(request)
                var head = HTTPResponse(status: response.status, headerFields: response.headers)
                if let length = response.body.knownLength { head.headerFields[.contentLength] = String(length) }
                var chunks: [ByteBuffer] = []
                do { for try await chunk in response.body { chunks.append(chunk) } } catch {}
                if response.body.knownLength == nil {
                    head.headerFields[.contentLength] = String(chunks.reduce(0) { $0 + $1.readableBytes })
                }
                loop.execute {
                    channel.write(HTTPResponsePart.head(head), promise: nil)
                    for chunk in chunks { channel.write(HTTPResponsePart.body(chunk), promise: nil) }
                    channel.writeAndFlush(HTTPResponsePart.end(nil), promise: nil)
                }
            }
        }
    }
}

let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try channel.pipeline.syncOperations.addHandler(WorkerHandler(runtime: runtime))
        }
    }
    .bind(host: "127.0.0.1", port: port).get()
try await channel.closeFuture.get()
