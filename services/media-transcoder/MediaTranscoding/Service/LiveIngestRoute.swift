import Hummingbird
import ServiceKit

/// `POST|PUT /live/{job}/ingest`: a publisher's continuous body (MPEG-TS or fMP4, chunked, as
/// `ffmpeg -re … -f mpegts -method POST <url>` sends it) streamed into the running
/// `live-stream` job's ``LiveIngest`` as it arrives: never spooled, memory bounded by the
/// ingest's queue (a faster publisher waits). Answers when the body ends or the stream ends
/// (stalled, cancelled): `200 {"jobId","bytes","ending"}`. 404 when no such stream runs here
/// (or it has ended), 409 while another publisher is connected.
struct LiveIngestRoute: Sendable {
    let hub: LiveIngestHub

    /// The answer to a publisher.
    struct Answer: Codable, Sendable {
        var jobId: String
        var bytes: Int64
        var ending: String
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/live/{job}/ingest") { request, context in try await handle(request, context: context) }
        router.put("/live/{job}/ingest") { request, context in try await handle(request, context: context) }
    }

    func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let job = context.parameters.get("job") ?? ""
        guard let ingest = await hub.ingest(job: job) else {
            throw ServiceError(statusCode: 404, code: "stream_not_found", message: "No live stream \(job) runs here.")
        }
        switch ingest.attach() {
        case .busy:
            throw ServiceError(statusCode: 409, code: "publisher_connected", message: "Another publisher is already sending live stream \(job); one at a time.")
        case .ended:
            throw ServiceError(statusCode: 404, code: "stream_ended", message: "Live stream \(job) has ended.")
        case .attached:
            break
        }
        let body = request.body
        // The body is read as it comes until it ends; the publisher is answered when the stream
        // ends, which may come first (stalled, cancelled): the answer then closes the connection.
        // The reader is a task of its own, not a child: reading a request body does not stop on
        // cancellation, so a child would hold the answer until a stalled publisher hangs up. It
        // ends with the body, or when the connection the answer closes takes the body with it.
        let reading = Task {
            do {
                for try await buffer in body {
                    guard await ingest.push(Array(buffer.readableBytesView)) else { return }
                }
            } catch {}
            ingest.publisherFinished()
        }
        await ingest.ended()
        reading.cancel()
        var answer = try ServiceJSON.response(Answer(jobId: job, bytes: ingest.bytesReceived, ending: (ingest.ending ?? .publisherEnded).rawValue))
        if ingest.ending != .publisherEnded { answer.headers[.connection] = "close" }
        return answer
    }
}
