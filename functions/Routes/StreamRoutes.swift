import Crypto
import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// Playback of streams: the outputs of operations that declare them a stream
/// (`OperationDescriptor.stream`: `hls-transcode`, `dash`), stored under `streams/<id>/`, where
/// the id is the job's `stream_name` or its job id.
///
/// - `GET /streams/{id}/{file}` serves a stored output of the stream: to its owner (and admins)
///   with the usual auth, or to anyone holding a signed, expiring `?token=` for that stream. The
///   playlists and manifests it serves carry the token on their relative URLs, so a player needs
///   no headers. Playlists and manifests are `no-cache`; segments and posters `immutable`.
///   `Range` is honoured (206, or 416 past the end).
/// - `GET /api/media/streams`: the caller's streams with renditions, duration, status and playback URL.
/// - `GET /api/media/streams/{id}/token?ttl=SECONDS`: a playback token (default 1 h, at most 24 h).
enum StreamRoutes {
    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.get, "/api/media/streams") { _, _, ctx in try await list(ctx) }
        r.on(.get, "/api/media/streams/:id/token") { request, params, ctx in
            let id = params["id"] ?? ""
            let owner = ctx.owner
            let job = try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.stream(id: id, owner: owner) }
            let stream = job.stream ?? job.id
            let entry = ctx.services.jobTypes[job.type]?.operation.stream?.entryFile ?? ""
            let ttl = Double(request.searchParams["ttl"] ?? "") ?? 3600
            guard ttl.isFinite, ttl >= 1, ttl <= 86_400 else { throw HTTPFailure.badRequest("ttl must be 1 to 86400 seconds.", code: "invalid_parameter") }
            let expires = Int64(Date().timeIntervalSince1970 + ttl)
            let token = StreamToken.sign(stream: stream, expires: expires, secret: StreamToken.secret(ctx.env))
            return .json(["stream": .string(stream), "job": .string(job.id), "token": .string(token), "expiresAt": .number(Double(expires)),
                          "url": .string("/streams/\(stream)/\(entry)?token=\(token)")] as JSONValue)
        }
    }

    /// `GET /api/media/streams`: the caller's (an admin's: everyone's) streams, newest first.
    static func list(_ ctx: APIContext) async throws -> Response {
        let owner = ctx.owner
        var streams: [JSONValue] = []
        let types = ctx.services.jobTypes.values.filter { $0.operation.stream != nil }.sorted { $0.name < $1.name }
        for type in types {
            let entry = type.operation.stream?.entryFile ?? ""
            let (jobs, _) = try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) {
                try await $0.list(owner: owner, status: nil, type: type.name, cursor: nil, limit: 100)
            }
            for job in jobs {
                let result = job.result
                let stream = job.stream ?? job.id
                streams.append([
                    "id": .string(stream), "job": .string(job.id), "type": .string(job.type), "status": .string(job.status.rawValue),
                    "createdAt": .number(Double(job.createdAt)), "streamName": result?["streamName"] ?? .null,
                    "duration": result?["duration"] ?? .null,
                    "renditions": result?["renditions"] ?? result?["representations"] ?? .array([]),
                    "playbackUrl": .string("/streams/\(stream)/\(entry)"),
                ])
            }
        }
        streams.sort { ($0["createdAt"]?.doubleValue ?? 0) > ($1["createdAt"]?.doubleValue ?? 0) }
        return .json(["streams": .array(streams)] as JSONValue)
    }

    /// `GET`/`HEAD /streams/{id}/{file}` (an open route: ``PublicRoutes``).
    static func playback(_ request: Request, id: String, file: String, env: Env) async throws -> Response {
        let token = request.searchParams["token"]
        let owner: String?
        if let token {
            guard StreamToken.verify(token, stream: id, now: Date().timeIntervalSince1970, secret: StreamToken.secret(env)) else {
                throw HTTPFailure(403, code: "invalid_token", "The playback token is expired, malformed or for another stream.")
            }
            owner = nil
        } else {
            let caller = try await Authenticator(env: env, now: Date().timeIntervalSince1970).authenticate(request)
            owner = caller.isAdmin ? nil : caller.id
        }
        let job = try await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) { try await $0.stream(id: id, owner: owner) }
        guard let output = job.outputs.first(where: { ($0.key as NSString).lastPathComponent == file }) else {
            throw HTTPFailure.notFound("Stream \(id) has no file \"\(file)\".", code: "not_found")
        }
        guard let object = try await env.r2(PlatformBindings.media).get(output.key) else {
            throw HTTPFailure.notFound("The file \"\(file)\" of stream \(id) is no longer stored.", code: "not_found")
        }
        let isPlaylist = file.hasSuffix(".m3u8") || file.hasSuffix(".mpd")
        var bytes = try await object.bytes()
        if let token, file.hasSuffix(".m3u8") { bytes = Array(withToken(String(decoding: bytes, as: UTF8.self), token).utf8) }
        if let token, file.hasSuffix(".mpd") { bytes = Array(manifestWithToken(String(decoding: bytes, as: UTF8.self), token).utf8) }
        var headers = HTTPFields()
        headers[.contentType] = output.contentType
        headers[.cacheControl] = isPlaylist ? "no-cache" : "private, max-age=31536000, immutable"
        headers[.acceptRanges] = "bytes"
        if !isPlaylist { headers[HTTPField.Name("ETag")!] = object.object.httpEtag }
        var status = 200
        if let header = request.headers[.range] {
            guard let range = byteRange(header, size: bytes.count) else {
                headers[.contentRange] = "bytes */\(bytes.count)"
                return Response(status: 416, headers: headers, body: .empty)
            }
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(bytes.count)"
            bytes = Array(bytes[range])
            status = 206
        }
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: request.method == .head ? .empty : Body(bytes: bytes))
    }

    /// A media playlist or master playlist with `token` on every URI (lines and `URI="…"`).
    static func withToken(_ playlist: String, _ token: String) -> String {
        func add(_ uri: String) -> String { uri + (uri.contains("?") ? "&" : "?") + "token=" + token }
        return playlist.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let text = String(line)
            if text.isEmpty { return text }
            if !text.hasPrefix("#") { return add(text) }
            guard let start = text.range(of: "URI=\""), let end = text[start.upperBound...].firstIndex(of: "\"") else { return text }
            return String(text[..<start.upperBound]) + add(String(text[start.upperBound..<end])) + String(text[end...])
        }.joined(separator: "\n")
    }

    /// A DASH manifest with `token` on every relative segment URL: the `initialization`, `media`
    /// and `index` templates and URLs (`SegmentTemplate`, `SegmentURL`), `Initialization` and
    /// `RepresentationIndex` `sourceURL`s, and a `BaseURL` naming a file. A directory `BaseURL`
    /// is left as it is (the URLs resolved against it carry the token), and so are absolute URLs.
    static func manifestWithToken(_ manifest: String, _ token: String) -> String {
        func add(_ url: String, separator: String) -> String {
            url.isEmpty || url.contains("://") ? url : url + (url.contains("?") ? separator : "?") + "token=" + token
        }
        var text = manifest
        let attributes = try! NSRegularExpression(pattern: #"\b(initialization|media|index|sourceURL)="([^"]*)""#)
        for match in attributes.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range(at: 2), in: text) else { continue }
            text.replaceSubrange(range, with: add(String(text[range]), separator: "&amp;"))
        }
        let baseURLs = try! NSRegularExpression(pattern: #"<BaseURL([^>]*)>([^<]*)</BaseURL>"#)
        for match in baseURLs.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range(at: 2), in: text) else { continue }
            let url = text[range].trimmingCharacters(in: .whitespaces)
            if !url.hasSuffix("/") { text.replaceSubrange(range, with: add(url, separator: "&amp;")) }
        }
        return text
    }

    /// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`; nil when unsatisfiable.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst("bytes=".count).split(separator: ",").first.map(String.init) ?? ""
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard bounds.count == 2 else { return nil }
        switch (bounds[0], bounds[1]) {
        case let (start?, end?) where start <= end && start < size: return start...min(end, size - 1)
        case let (start?, nil) where start < size: return start...(size - 1)
        case let (nil, suffix?) where suffix > 0: return max(0, size - suffix)...(size - 1)
        default: return nil
        }
    }

    /// Signed, expiring playback tokens: `<expires>.<hex HMAC-SHA256 of "stream:<id>:<expires>">`.
    enum StreamToken {
        /// `STREAM_TOKEN_SECRET`, or a key made once per process (tokens then end with it).
        static func secret(_ env: Env) -> String { env["STREAM_TOKEN_SECRET"] ?? processSecret }
        static let processSecret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()

        static func sign(stream: String, expires: Int64, secret: String) -> String {
            let mac = HMAC<SHA256>.authenticationCode(for: Data("stream:\(stream):\(expires)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
            return "\(expires)." + mac.map { String(format: "%02x", $0) }.joined()
        }

        static func verify(_ token: String, stream: String, now: Double, secret: String) -> Bool {
            guard let dot = token.firstIndex(of: "."), let expires = Int64(token[..<dot]), Double(expires) > now else { return false }
            let expected = Array(sign(stream: stream, expires: expires, secret: secret).utf8)
            let given = Array(token.utf8)
            guard expected.count == given.count else { return false }
            return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
