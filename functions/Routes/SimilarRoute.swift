import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// `POST /api/ai/similar`: the stored pitches (``PitchIndex``, filled by successful `analyze` and
/// `analyze-pitch` jobs) nearest to a text or to a stored pitch, by cosine similarity of their
/// all-MiniLM-L6-v2 embeddings.
///
/// Body `{"text"}` or `{"jobId"}` (an analyze job of yours), optional `limit` (1…50, default 5) and
/// `scope` (`own`, the default: your pitches; `platform`: everyone's, admins only, else 403).
/// A text is embedded synchronously by the ai-inference service's `embed` on its first instance.
/// Answer: `{"scope","matches":[{"jobId","title","score","createdAt"}]}`, best first, with `owner`
/// for admins.
enum SimilarRoute {
    static let path = "/api/ai/similar"
    static let maxTextBytes = 100_000
    static let limits = 1...50

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.post, path) { request, _, ctx in try await handle(request, ctx: ctx) }
    }

    static func handle(_ request: Request, ctx: APIContext) async throws -> Response {
        guard case .object(let body) = try await request.body.json(JSONValue.self) else {
            throw HTTPFailure.badRequest("The body must be a JSON object: {\"text\"} or {\"jobId\"}, optional \"limit\" and \"scope\".")
        }
        let limit = try self.limit(body["limit"])
        let platform: Bool
        switch body["scope"]?.stringValue ?? (body["scope"] == nil ? "own" : nil) {
        case "own": platform = false
        case "platform":
            guard ctx.caller.isAdmin else {
                throw HTTPFailure(403, code: "forbidden", "scope \"platform\" is for admins only (role \(ctx.caller.role.rawValue)); use scope \"own\".")
            }
            platform = true
        default: throw HTTPFailure.badRequest("\"scope\" must be \"own\" or \"platform\".", code: "invalid_parameter")
        }
        let query: [Float]
        var excluding: String?
        switch (body["text"], body["jobId"]) {
        case (let text?, nil):
            guard let text = text.stringValue, !text.allSatisfy(\.isWhitespace) else {
                throw HTTPFailure.badRequest("\"text\" must be a non-empty string.", code: "invalid_parameter")
            }
            guard text.utf8.count <= maxTextBytes else {
                throw HTTPFailure(413, code: "input_too_large", "\"text\" is over \(maxTextBytes) bytes.")
            }
            query = try await embed(text, env: ctx.env)
        case (nil, let id?):
            guard let id = id.stringValue, !id.isEmpty else { throw HTTPFailure.badRequest("\"jobId\" must be a job id.", code: "invalid_parameter") }
            let stored = try await PitchIndex.stub(ctx.env).call(PitchIndex.self) { try await $0.pitch(jobId: id) }
            guard let stored, ctx.caller.isAdmin || stored.owner == ctx.caller.id else {
                throw HTTPFailure.notFound("No stored pitch of yours for job \"\(id)\" (only succeeded analyze and analyze-pitch jobs are stored).")
            }
            query = stored.vector
            excluding = id
        default:
            throw HTTPFailure.badRequest("Give one of \"text\" and \"jobId\".", code: "invalid_parameter")
        }
        let owner = platform ? nil : ctx.caller.id
        let excluded = excluding
        let matches = try await PitchIndex.stub(ctx.env).call(PitchIndex.self) { index in
            try await index.nearest(to: query, owner: owner, limit: limit, excluding: excluded)
        }
        return .json([
            "scope": .string(platform ? "platform" : "own"),
            "matches": .array(matches.map { $0.json(withOwner: ctx.caller.isAdmin) }),
        ] as JSONValue)
    }

    /// `limit` as given (a whole number in 1…50), or 5.
    static func limit(_ value: JSONValue?) throws -> Int {
        guard let value else { return 5 }
        guard let n = value.doubleValue, n == n.rounded(), limits.contains(Int(exactly: n) ?? 0) else {
            throw HTTPFailure.badRequest("\"limit\" must be a whole number from \(limits.lowerBound) to \(limits.upperBound).", code: "invalid_parameter")
        }
        return Int(n)
    }

    /// The text's embedding from the ai-inference service's `embed` (its first instance, directly).
    static func embed(_ text: String, env: Env) async throws -> [Float] {
        let service = AIInference.descriptor
        let instance = service.instanceName(1)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = JSONValue.object(["operation": "embed", "params": ["text": .string(text)]]).serialized()
        let response = try await env.durableObject(service.binding).getByName(instance)
            .fetch(Request(method: .post, url: "http://\(instance)/jobs/embed", headers: headers, body: Body(body)))
        let answer = try? await response.body.json(JSONValue.self)
        guard response.status.code == 200, let numbers = answer?["result"]?["embeddings"]?.arrayValue?.first?.arrayValue else {
            let message = answer?["error"]?["message"]?.stringValue ?? "HTTP \(response.status.code)"
            throw HTTPFailure(response.status.code == 400 ? 400 : 502, code: "embedding_failed", "The ai-inference service could not embed the text: \(message).")
        }
        return numbers.map { Float($0.doubleValue ?? 0) }
    }
}
