import HTTPTypes
import Hummingbird
import NIOCore

/// Hands every HTTP request to the Worker, streaming bodies both ways.
struct WorkerResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let runtime: Runtime
    let origin: String

    func respond(to request: Hummingbird.Request, context: Context) async throws -> Hummingbird.Response {
        let length = request.headers[.contentLength].flatMap { Int($0) }
        // No Content-Length and no Transfer-Encoding means no body (RFC 9112 §6.3): skip the stream.
        let hasBody = length.map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        let body: Body = hasBody ? Body(stream: request.body, length: length) : .empty
        let workerRequest = Request(
            method: request.method,
            url: origin + request.uri.description,
            headers: request.headers,
            body: body
        )
        let response = await runtime.fetch(workerRequest)
        return Hummingbird.Response(status: response.status, headers: response.headers, body: Self.responseBody(response.body))
    }

    static func responseBody(_ body: Body) -> ResponseBody {
        switch body.storage {
        case .empty: return ResponseBody()
        case .buffer(let b): return ResponseBody(byteBuffer: b)
        case .stream: return ResponseBody(asyncSequence: body)
        }
    }
}
