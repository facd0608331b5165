import Durable
import Foundation
import NIOConcurrencyHelpers
import Outpost

/// The video service's routes. Each creates a job (and answers like `POST
/// /api/containers/jobs`, `?wait=` included):
///
/// - `POST /api/video/analyze`: multipart with `file`, or JSON `{"key"}`.
/// - `POST /api/video/thumbnail`: multipart with `file` (parameters in the query string), or JSON
///   `{"key", "timestamp", "width", "height", "format", "quality"}`.
/// - `POST /api/containers/video-processing/process`: JSON `{"inputKey", "operation", "params"}`.
/// - `GET /api/video/formats`: the containers and codecs the service reads (asked of the service once).
///
/// JSON bodies may also carry `priority` and `webhookUrl`.
enum VideoRoutes {
    static let formats = NIOLockedValueBox<JSONValue?>(nil)

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.post, "/api/video/analyze") { request, _, ctx in try await serviceJob("video.analyze", request, ctx: ctx) }
        r.on(.post, "/api/video/thumbnail") { request, _, ctx in try await serviceJob("video.thumbnail", request, ctx: ctx) }
        r.on(.get, "/api/video/formats") { _, _, ctx in try await supportedFormats(ctx) }
        r.on(.post, "/api/containers/video-processing/process") { request, _, ctx in
            try ctx.requireWrite()
            let body = try await request.body.json(JSONValue.self)
            guard case .object(let fields) = body else { throw JobInputError("The body must be a JSON object: {\"inputKey\", \"operation\"}.") }
            guard let key = fields["inputKey"]?.stringValue else { throw JobInputError("\"inputKey\" (the R2 key of an upload) is required.", code: "missing_input") }
            guard let operation = fields["operation"]?.stringValue, ["analyze", "thumbnail"].contains(operation) else {
                throw JobInputError("\"operation\" must be \"analyze\" or \"thumbnail\".", code: "unknown_operation")
            }
            var job: [String: JSONValue] = ["type": .string("video." + operation), "input": ["key": .string(key)]]
            for field in ["params", "priority", "webhookUrl"] { job[field] = fields[field] }
            return try await JobRoutes.submit(try JobSubmission(json: .object(job)), request: request, ctx: ctx)
        }
    }

    /// A job of `typeName` from an upload in the request, or from the R2 key in a JSON body.
    static func serviceJob(_ typeName: String, _ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        let type = try JobType.named(typeName)
        let contentType = request.contentType?.lowercased() ?? ""
        let submission: JobSubmission
        if contentType.hasPrefix("application/json") {
            guard case .object(var fields) = try await request.body.json(JSONValue.self) else {
                throw JobInputError("The body must be a JSON object with \"key\" (the R2 key of an upload).")
            }
            guard let key = fields.removeValue(forKey: "key")?.stringValue else {
                throw JobInputError("\"key\" (the R2 key of an upload) is required, or post the file as multipart field \"file\".", code: "missing_input")
            }
            var job: [String: JSONValue] = ["type": .string(typeName), "input": ["key": .string(key)]]
            for field in ["priority", "webhookUrl"] { job[field] = fields.removeValue(forKey: field) }
            job["params"] = .object(fields)
            submission = try JobSubmission(json: .object(job))
        } else if request.multipartBoundary != nil {
            // Parameters come in the query string; check them before storing the upload.
            var params: [String: JSONValue] = [:]
            for (name, value) in request.searchParams where name != "wait" && name != "priority" {
                params[name] = .string(value)
            }
            var priority = JobPriority.normal
            if let p = request.searchParams["priority"] {
                guard let parsed = JobPriority(rawValue: p) else { throw JobInputError("\"priority\" must be \"high\", \"normal\" or \"low\".") }
                priority = parsed
            }
            _ = try JobSubmission(type: type, inputKey: "pending-upload", params: params, priority: priority)
            _ = try JobRoutes.waitSeconds(request)
            let object = try await UploadRoute.store(request, ctx: ctx)
            submission = try JobSubmission(type: type, inputKey: object.key, params: params, priority: priority)
        } else {
            throw HTTPFailure(415, code: "unsupported_media_type",
                              "Send multipart/form-data with the video in field \"file\", or JSON with \"key\" (the R2 key of an upload).")
        }
        return try await JobRoutes.submit(submission, request: request, ctx: ctx)
    }

    /// `GET /formats` of the video service, cached after the first answer.
    static func supportedFormats(_ ctx: APIContext) async throws -> Response {
        if let cached = formats.withLockedValue({ $0 }) { return .json(cached) }
        let type = try JobType.named("video.analyze")
        let stub = try ctx.env.durableObject(type.binding).getByName(type.instancePrefix + "-1")
        let response = try await stub.fetch("http://\(type.instancePrefix)-1/formats")
        guard response.status.code == 200 else {
            throw HTTPFailure(502, code: "service_unavailable", "The video service answered HTTP \(response.status.code) for its formats.")
        }
        let value = try await response.body.json(JSONValue.self)
        formats.withLockedValue { $0 = value }
        return .json(value)
    }
}
