import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// `/api/containers/jobs`: create, read, list, cancel, watch (SSE) and download outputs.
///
/// A caller sees only its own jobs (another's id is a 404); an admin sees every job.
enum JobRoutes {
    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.post, "/api/containers/jobs") { request, _, ctx in
            try ctx.requireWrite()
            return try await submit(try await submission(try await request.body.json(JSONValue.self), ctx: ctx), request: request, ctx: ctx)
        }
        r.on(.post, "/api/containers/jobs/batch") { request, _, ctx in try await batch(request, ctx: ctx) }
        r.on(.get, "/api/containers/jobs") { request, _, ctx in try await list(request, ctx: ctx) }
        r.on(.get, "/api/containers/jobs/:id") { _, params, ctx in
            let id = params["id"] ?? ""
            if let cached = try await cachedTerminal(id, ctx: ctx) { return .json(cached) }
            let owner = ctx.owner
            let job = try await orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.job(id: id, owner: owner) }
            return .json(job.json)
        }
        r.on(.delete, "/api/containers/jobs/:id") { _, params, ctx in
            try ctx.requireWrite()
            let (id, owner) = (params["id"] ?? "", ctx.owner)
            let job = try await orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.cancel(id: id, owner: owner) }
            return .json(job.json)
        }
        r.on(.get, "/api/containers/jobs/:id/events") { _, params, ctx in try await events(params["id"] ?? "", ctx: ctx) }
        r.on(.get, "/api/containers/jobs/:id/outputs/:name") { _, params, ctx in
            try await output(params["id"] ?? "", name: params["name"] ?? "", ctx: ctx)
        }
    }

    /// A job request (`{"type", "input", "params", …}`) as a checked submission: every submit route
    /// comes through here, so what a service adds at submit (an uploaded document template) is
    /// applied once, in one place.
    static func submission(_ json: JSONValue, ctx: APIContext) async throws -> JobSubmission {
        try JobSubmission(json: try await DocumentTemplateJobs.resolve(json, ctx: ctx), services: ctx.services)
    }

    /// Checks the input, stores the job and answers 202 — or, with `?wait=SECONDS` (at most 60),
    /// waits for the job to end and answers 200 with it (202 if it is still going).
    static func submit(_ submission: JobSubmission, request: Request, ctx: APIContext) async throws -> Response {
        let wait = try waitSeconds(request)
        let submission = try await UserDataAccess.resolve(submission, ctx: ctx)
        if let key = submission.inputKey { try await checkInput(key, ctx: ctx) }
        try await checkObjects(submission, ctx: ctx)
        let (owner, role) = (ctx.caller.id, ctx.caller.role.rawValue)
        let (job, updates) = try await orchestrator(ctx).call(ContainerOrchestrator.self) {
            try await $0.submit(submission, owner: owner, ownerRole: role, watch: wait.map { .end(within: .milliseconds(Int($0 * 1000))) })
        }
        ctx.execution.annotate("jobId", job.id)
        var final = job
        if let updates, !job.status.isTerminal {
            // The orchestrator sends the terminal state, or the state at the deadline, then ends the stream.
            for await update in updates { final = update }
        }
        var response = Response.json(final.json, status: final.status.isTerminal && wait != nil ? .ok : .accepted)
        response.headers[.location] = "/api/containers/jobs/\(job.id)"
        return response
    }

    /// Most jobs one batch may hold.
    static let maxBatch = 100

    /// `POST /api/containers/jobs/batch` with `{"jobs": [job request, …]}` (1…100): every entry is
    /// checked first, and a bad one is reported by its index with nothing stored; otherwise all
    /// are stored in one orchestrator event (one commit) → 202 `{"jobs": [job, …]}` in order.
    static func batch(_ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        guard case .object(let body) = try await request.body.json(JSONValue.self), let entries = body["jobs"]?.arrayValue else {
            throw JobInputError("The body must be {\"jobs\": [job request, …]}, each entry as for POST /api/containers/jobs.", code: "invalid_batch")
        }
        guard (1...maxBatch).contains(entries.count) else {
            throw JobInputError("A batch holds 1 to \(maxBatch) jobs, got \(entries.count).", code: "invalid_batch")
        }
        var submissions: [JobSubmission] = []
        var problems: [JSONValue] = []
        for (index, entry) in entries.enumerated() {
            do {
                let submission = try await UserDataAccess.resolve(try await Self.submission(entry, ctx: ctx), ctx: ctx)
                if let key = submission.inputKey { try await checkInput(key, ctx: ctx) }
                try await checkObjects(submission, ctx: ctx)
                submissions.append(submission)
            } catch let error as any HTTPError {
                problems.append(["index": .number(Double(index)), "code": .string(error.code), "message": .string(error.message)])
            }
        }
        guard problems.isEmpty else {
            let message = "\(problems.count) of \(entries.count) jobs are invalid; nothing was stored. First: job \(problems[0]["index"]?.intValue ?? 0): \(problems[0]["message"]?.stringValue ?? "")"
            return .json(["error": ["code": "invalid_batch", "message": .string(message), "jobs": .array(problems)]] as JSONValue, status: .badRequest)
        }
        let (owner, role, checked) = (ctx.caller.id, ctx.caller.role.rawValue, submissions)
        let jobs = try await orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.submit(batch: checked, owner: owner, ownerRole: role) }
        return .json(["jobs": .array(jobs.map(\.json))] as JSONValue, status: .accepted)
    }

    /// `?wait=` in seconds: absent, or 0 < wait ≤ 60.
    static func waitSeconds(_ request: Request) throws -> Double? {
        guard let text = request.searchParams["wait"] else { return nil }
        guard let seconds = Double(text), seconds >= 0, seconds <= 60 else {
            throw HTTPFailure.badRequest("\"wait\" must be a number of seconds from 0 to 60, got \"\(text)\".", code: "invalid_wait")
        }
        return seconds
    }

    /// The input must exist and belong to the caller (or the caller is an admin).
    static func checkInput(_ key: String, ctx: APIContext) async throws {
        let object = try await ctx.env.r2("MEDIA").head(key)
        let owner = object?.customMetadata["owner"]
        guard let object, ctx.caller.isAdmin || owner == nil || owner == ctx.caller.id else {
            throw HTTPFailure.badRequest("No upload with key \"\(key)\": upload the file first with POST /api/containers/uploads.", code: "input_not_found")
        }
        if object.size == 0 { throw HTTPFailure.badRequest("The input \"\(key)\" is empty.", code: "empty_input") }
    }

    /// Every object an `.objectKey`/`.objectKeys` parameter names must exist, like the input (and
    /// belong to the caller, unless an admin asks): otherwise a 400 naming the parameter and the key.
    /// When the parameter declares the uploads it accepts (``ParameterSpec/accepts``), the same HEAD
    /// checks each object's content type (415) and size (413).
    static func checkObjects(_ submission: JobSubmission, ctx: APIContext) async throws {
        let operation = submission.type.operation
        let named = operation.objectKeys(in: submission.params)
        guard !named.isEmpty else { return }
        let media = try ctx.env.r2(PlatformBindings.media)
        for (parameter, keys) in named {
            let accepts = operation.parameters.first { $0.name == parameter }?.accepts
            for key in keys {
                let object = try await media.head(key)
                let owner = object?.customMetadata["owner"]
                guard let object, ctx.caller.isAdmin || owner == nil || owner == ctx.caller.id else {
                    throw HTTPFailure.badRequest("Parameter \"\(parameter)\" names \"\(key)\", which is not an upload: upload it with POST /api/containers/uploads.",
                                                 code: "object_not_found")
                }
                do {
                    try accepts?.check(parameter: parameter, key: key, contentType: object.httpMetadata.contentType, size: Int(object.size))
                } catch {
                    throw HTTPFailure(error.status, code: error.status == 413 ? "input_too_large" : "unsupported_media_type", error.description)
                }
            }
        }
    }

    static func list(_ request: Request, ctx: APIContext) async throws -> Response {
        let q = request.searchParams
        var status: JobStatus?
        if let s = q["status"], !s.isEmpty {
            guard let parsed = JobStatus(rawValue: s) else {
                throw HTTPFailure.badRequest("Unknown status \"\(s)\". Statuses: \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).", code: "invalid_status")
            }
            status = parsed
        }
        let type = q["type"].flatMap { $0.isEmpty ? nil : $0 }
        if let type { _ = try ctx.services.jobType(named: type) }
        var limit = 20
        if let l = q["limit"] {
            guard let n = Int(l), n >= 1, n <= 100 else { throw HTTPFailure.badRequest("\"limit\" must be a whole number from 1 to 100.", code: "invalid_limit") }
            limit = n
        }
        let cursor = q["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        let (owner, wanted, pageSize) = (ctx.owner, status, limit)
        let page = try await orchestrator(ctx).call(ContainerOrchestrator.self) {
            try await $0.list(owner: owner, status: wanted, type: type, cursor: cursor, limit: pageSize)
        }
        return .json(["jobs": .array(page.jobs.map(\.json)), "cursor": page.cursor.map(JSONValue.string) ?? .null] as JSONValue)
    }

    /// A terminal job from the KV cache (terminal states never change), if the caller may see it.
    static func cachedTerminal(_ id: String, ctx: APIContext) async throws -> JSONValue? {
        guard let kv = try? ctx.env.kv(PlatformBindings.jobStatus),
              case .object(var cached)? = try? await kv.getJSON(JobRecord.cacheKey(id)),
              let status = cached["status"]?.stringValue.flatMap(JobStatus.init), status.isTerminal,
              let owner = cached["owner"]?.stringValue, ctx.caller.isAdmin || owner == ctx.caller.id else { return nil }
        cached["owner"] = nil
        return .object(cached)
    }

    /// `text/event-stream`: the job now, then an event per change (`status` when the status
    /// changes, `progress` otherwise), ending after the terminal status.
    static func events(_ id: String, ctx: APIContext) async throws -> Response {
        let owner = ctx.owner
        let (job, updates) = try await orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.watch(id: id, owner: owner) }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = Body { writer in
            var last = job
            var sequence = 0
            await writer.write(event("status", job, id: sequence))
            guard let updates else { return }
            for await update in updates {
                sequence += 1
                await writer.write(event(update.status == last.status ? "progress" : "status", update, id: sequence))
                last = update
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func event(_ name: String, _ job: JobRecord, id: Int) -> String {
        "id: \(id)\nevent: \(name)\ndata: \(job.json.serialized())\n\n"
    }

    static func output(_ id: String, name: String, ctx: APIContext) async throws -> Response {
        let owner = ctx.owner
        let job = try await orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.job(id: id, owner: owner) }
        guard let output = job.outputs.first(where: { $0.name == name }) else {
            let names = job.outputs.map(\.name)
            throw HTTPFailure.notFound("Job \(id) has no output named \"\(name)\"\(names.isEmpty ? " (it has no outputs)" : "; outputs: \(names.joined(separator: ", "))").", code: "output_not_found")
        }
        guard let object = try await ctx.env.r2(PlatformBindings.media).get(output.key) else {
            throw HTTPFailure.notFound("The output \"\(name)\" of job \(id) is no longer stored.", code: "output_not_found")
        }
        var headers = HTTPFields()
        headers[.contentType] = output.contentType
        headers[HTTPField.Name("ETag")!] = object.object.httpEtag
        return Response(status: .ok, headers: headers, body: object.body)
    }

    static func orchestrator(_ ctx: APIContext) throws -> DurableObjectStub {
        try PlatformBindings.orchestrator(ctx.env)
    }
}

extension APIContext {
    /// Whose jobs the caller sees: its own, or (nil) everyone's for an admin.
    var owner: String? { caller.isAdmin ? nil : caller.id }
}
