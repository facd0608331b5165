import Hummingbird
import ServiceKit

/// `POST|PUT /live/{job}/ingest`: a publisher's continuous body (MPEG-TS or fMP4, chunked, as
/// `ffmpeg -re … -f mpegts -method POST <url>` sends it) streamed into the running
/// `live-stream` job's ``LiveIngest`` as it arrives: never spooled, memory bounded by the
/// ingest's queue (a faster publisher waits). Answers when the body ends or the stream ends
/// (stalled, cancelled): `200 {"jobId","bytes","ending"}`; in the latter case the connection
/// is closed once the answer is written, so a publisher still sending gets an error rather
/// than blocking. 404 when no such stream runs here (or it has ended), 409 while another
/// publisher is connected.
struct LiveIngestRoute: Sendable {
    let hub: LiveIngestHub

    /// The answer to a publisher.
    struct Answer: Codable, Sendable {
        var jobId: String
        var bytes: Int64
        var ending: String
    }

    func add(to router: Router<ServiceRequestContext>) {
        router.post("/live/{job}/ingest") { request, context in try await handle(request, context: context) }
        router.put("/live/{job}/ingest") { request, context in try await handle(request, context: context) }
    }

    func handle(_ request: Request, context: ServiceRequestContext) async throws -> Response {
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
        // ends, which may come first (stalled, cancelled). The reader is a task of its own, so
        // the stream's end can answer while it waits for bytes; it is cancelled then (which
        // stops a read waiting for bytes, and `push` refuses once the stream has ended) and
        // awaited, so the body has one reader at a time: this one, then Hummingbird.
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
        await reading.value
        var answer = try ServiceJSON.response(Answer(jobId: job, bytes: ingest.bytesReceived, ending: (ingest.ending ?? .publisherEnded).rawValue))
        guard ingest.ending != .publisherEnded else { return answer }
        // Ended before the publisher did: it may go on sending, and nothing reads the
        // connection any more (cancelling the read ended the channel's inbound stream, and
        // Hummingbird closes a connection only when the *request* asked to), so the publisher
        // would block in write() forever. Close the connection once the answer is written:
        // the publisher's next write fails.
        answer.headers[.connection] = "close"
        let written = answer.body
        let channel = context.channel
        answer.body = ResponseBody(contentLength: written.contentLength) { writer in
            defer { channel.close(promise: nil) }
            try await written.write(writer)
        }
        return answer
    }
}
