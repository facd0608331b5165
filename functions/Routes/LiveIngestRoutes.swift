import Crypto
import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// Live streams (`media-transcoder`'s `live-stream`) on the platform:
///
/// - `POST /api/media/live-stream` submits the job as the generic route does and answers at once
///   (202, the job runs as long as its ingest) with `ingestUrl` and `playbackUrl` beside the job.
/// - `POST|PUT /api/media/live/{id}/ingest?key=<stream key>` takes the publisher's continuous body
///   (MPEG-TS or fMP4, chunked, as `ffmpeg -re … -f mpegts -method POST <url>` sends it) and
///   streams it to the container instance running the job (its `/live/{id}/ingest`). A publisher
///   often cannot send auth headers, so the URL carries a per-stream key instead (like an RTMP
///   stream key): an HMAC of the stream id, so nothing needs storing. 403 for a wrong key, 404
///   for an unknown or ended stream, 409 while another publisher is connected (the service says).
/// - Viewers play `GET /streams/{id}/master.m3u8` (``StreamRoutes``): live playlists while it
///   runs, VOD once the ingest ends or stalls.
enum LiveIngestRoutes {
    /// The job type of a live stream.
    static let jobType = "media.live-stream"
    /// How long the playback URL's token lasts.
    static let playbackSeconds = 86_400.0
    /// How long an ingest waits for its job to start on an instance (a cold start, a queue).
    static let startWait: Duration = .seconds(120)

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.post, "/api/media/live-stream") { request, _, ctx in try await create(request, ctx: ctx) }
    }

    /// `POST /api/media/live-stream`: the job, with where to publish and where to watch.
    static func create(_ request: Request, ctx: APIContext) async throws -> Response {
        guard let service = ctx.services.service(apiName: "media") else { throw HTTPFailure.notFound("No media service is deployed.") }
        let submitted = try await ServiceRoutes.submit(service, operationNamed: "live-stream", request, ctx: ctx)
        guard submitted.status.code == 202 || submitted.status.code == 200, case .object(var job) = try await submitted.body.json(JSONValue.self),
              let id = job["id"]?.stringValue else { return submitted }
        let secret = StreamRoutes.StreamToken.secret(ctx.env)
        let expires = Int64(Date().timeIntervalSince1970 + playbackSeconds)
        job["ingestUrl"] = .string("/api/media/live/\(id)/ingest?key=\(streamKey(id, secret: secret))")
        // Viewers find it by its stream id: `stream_name` when given, the job id otherwise.
        let stream = job["stream"]?.stringValue ?? id
        job["playbackUrl"] = .string("/streams/\(stream)/master.m3u8?token=\(StreamRoutes.StreamToken.sign(stream: stream, expires: expires, secret: secret))")
        var response = Response.json(.object(job), status: .accepted)
        response.headers[.location] = "/api/containers/jobs/\(id)"
        return response
    }

    /// The stream key of stream `id`: hex HMAC-SHA256 of `ingest:<id>` with the stream token secret.
    static func streamKey(_ id: String, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("ingest:\(id)".utf8), using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    /// `POST|PUT /api/media/live/{id}/ingest?key=` (an open route: ``PublicRoutes``): the
    /// publisher's body, streamed to the job's instance.
    static func ingest(_ request: Request, id: String, env: Env, services: ServiceRegistry) async throws -> Response {
        let expected = Array(streamKey(id, secret: StreamRoutes.StreamToken.secret(env)).utf8)
        let given = Array((request.searchParams["key"] ?? "").utf8)
        guard given.count == expected.count, zip(given, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw HTTPFailure(403, code: "invalid_stream_key", "The stream key is missing or not this stream's.")
        }
        // The job's instance, once it runs there (a publisher may come before it has started).
        let (first, updates) = try await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) { try await $0.watch(id: id, owner: nil) }
        guard first.type == jobType else { throw HTTPFailure.notFound("Job \(id) is not a live stream.", code: "not_a_live_stream") }
        var job = first
        if job.status == .queued || job.instance == nil, let updates {
            let deadline = ContinuousClock.now + startWait
            for await update in updates {
                job = update
                if (job.status == .running && job.instance != nil) || job.status.isTerminal || ContinuousClock.now >= deadline { break }
            }
        }
        guard job.status == .running, let instance = job.instance else {
            throw HTTPFailure.notFound("Live stream \(id) has ended (\(job.status.rawValue)) or has not started.", code: "stream_ended")
        }
        let type = try services.jobType(named: job.type)
        var headers = HTTPFields()
        headers[.contentType] = request.headers[.contentType] ?? "video/mp2t"
        let forwarded = Request(method: request.method, url: "http://\(instance)/live/\(id)/ingest", headers: headers, body: request.body)
        return try await env.durableObject(type.binding).getByName(instance).fetch(forwarded)
    }
}
