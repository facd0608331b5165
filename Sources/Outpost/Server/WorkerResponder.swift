import HTTPTypes
import Logging
import Hummingbird
import NIOCore

/// Hands every HTTP request to the Worker, streaming bodies both ways.
struct WorkerResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let runtime: Runtime
    let origin: String
    var testScheduled = false

    func respond(to request: Hummingbird.Request, context: Context) async throws -> Hummingbird.Response {
        if testScheduled, request.uri.path == "/__scheduled" || request.uri.path == "/cdn-cgi/handler/scheduled" {
            return await scheduled(request)
        }
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

    /// Fires the `scheduled` handler once, as `wrangler dev --test-scheduled` does.
    private func scheduled(_ request: Hummingbird.Request) async -> Hummingbird.Response {
        // Form decoding, so wrangler's `?cron=*+*+*+*+*` works.
        let params = QueryParameters(request.uri.query ?? "")
        let cron = params["cron"] ?? ""
        let time = params["time"].flatMap { Int64($0) }
        do {
            try await runtime.scheduled(cron: cron, scheduledTime: time)
            return Hummingbird.Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "Ran scheduled event")))
        } catch {
            runtime.logger.error("scheduled handler for \"\(cron)\" threw: \(error)")
            return Hummingbird.Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "Error: \(error)")))
        }
    }

    static func responseBody(_ body: Body) -> ResponseBody {
        switch body.storage {
        case .empty: return ResponseBody()
        case .buffer(let b): return ResponseBody(byteBuffer: b)
        case .stream: return ResponseBody(asyncSequence: body)
        }
    }
}
