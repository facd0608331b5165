import CodeExecutorDescriptor
import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// The code-executor's deployments: named, versioned programs of their owner, kept in
/// ``CodeDeployments``.
///
/// - `POST /api/code/deploy` `{"name", "language", "code", …execute's limits}`: the settings are
///   checked as `execute` checks them (400, 413), the code by a `code.validate` job (a syntax
///   error is a 400 with the parser's `line` and `column`, and nothing is stored), then stored as
///   the next version → 201.
/// - `POST /api/code/deployments/{name}/invoke`: a `code.execute` job of the latest version with
///   the request's JSON body as `inputs` (and `deployment`, `version` in its params), answered as
///   `POST /api/code/execute` answers (`?wait=`).
/// - `GET /api/code/deployments`, `GET /api/code/deployments/{name}` (its versions),
///   `DELETE /api/code/deployments/{name}` (every version).
///
/// Another caller's deployment is a 404; an admin lists everyone's and reaches another owner's
/// with `?owner=`.
enum CodeDeploymentRoutes {
    static let service = CodeExecutorDescriptor.service
    static let deployPath = "/api/\(service.apiName)/deploy"
    static let path = "/api/\(service.apiName)/deployments"
    /// How long deploy waits for its validation job.
    static let validationWait: Duration = .seconds(170)
    /// Largest invoke body, in bytes (a 413 past it): `inputs`' own limit.
    static let maxInputsBytes = CodeExecutorDescriptor.maxPayloadBytes
    /// Largest deploy body, in bytes: room for the code, stdin, files and escapes.
    static let maxDeployBytes = 2 * 1024 * 1024

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.post, deployPath) { request, _, ctx in try await deploy(request, ctx: ctx) }
        r.on(.get, path) { _, _, ctx in try await list(ctx: ctx) }
        r.on(.get, path + "/:name") { request, params, ctx in try await show(params["name"] ?? "", request, ctx: ctx) }
        r.on(.delete, path + "/:name") { request, params, ctx in try await delete(params["name"] ?? "", request, ctx: ctx) }
        r.on(.post, path + "/:name/invoke") { request, params, ctx in try await invoke(params["name"] ?? "", request, ctx: ctx) }
    }

    /// These routes in `GET /openapi.json`.
    static func describe(_ add: (String, String, JSONValue) -> Void) {
        typealias D = OpenAPIDocument
        let execute = service.operation("execute")?.parameters ?? []
        var properties: [String: JSONValue] = ["name": ["type": "string", "pattern": "^[a-z0-9-]{1,64}$", "description": "The deployment's name (yours: names are per owner)."]]
        for parameter in execute where CodeExecutorDescriptor.deploymentSettings.contains(parameter.name) { properties[parameter.name] = D.schema(parameter) }
        let name = D.path("name")
        let owner = D.query("owner", ["type": "string"], description: "Admins: another owner's deployment.")
        let notFound = D.error("No such deployment of yours.")
        add("post", deployPath, D.operation(
            "Validates the code (a code.validate job) and stores it, with execute's limits, as the next version of a named deployment.",
            tag: service.apiName, write: true,
            body: ["application/json": ["schema": ["type": "object", "additionalProperties": false, "required": ["name", "language", "code"], "properties": .object(properties)]]],
            responses: ["201": D.json("The stored version: {name, version, language, createdAt, codeBytes, settings, findings}.", ["type": "object"]),
                        "400": D.error("A bad name or setting, or a syntax error (code syntax_error, with line, column and the parser's errors); nothing stored."),
                        "413": D.error("Code (or stdin, files) over its size limit."),
                        "503": D.error("The validation job did not succeed in time; nothing stored.")]))
        add("get", path, D.plain("Your deployments (admins: everyone's, with owner), each with its latest version and how many versions it keeps.",
                                 tag: service.apiName, ok: ["type": "object"]))
        add("get", path + "/{name}", D.operation("A deployment with every version's settings and code.", tag: service.apiName, parameters: [name, owner],
                                                 responses: ["200": D.json("The deployment.", ["type": "object"]), "404": notFound]))
        add("delete", path + "/{name}", D.operation("Deletes every version of a deployment (version numbers are not reused).", tag: service.apiName, write: true,
                                                    parameters: [name, owner], responses: ["200": D.json("{deleted, versions}.", ["type": "object"]), "404": notFound]))
        var invoked = D.jobCreated.objectValue ?? [:]
        invoked["404"] = notFound
        invoked["413"] = D.error("A body over the inputs limit.")
        add("post", path + "/{name}/invoke", D.operation(
            "Runs the deployment's latest version as a code.execute job with the JSON body as its inputs (inputs.json and $INPUTS); params record deployment and version.",
            tag: service.apiName, write: true, parameters: [name, owner, D.waitParameter],
            body: ["application/json": ["schema": ["description": "Any JSON: the program's inputs."]]], responses: .object(invoked)))
    }

    static func deploy(_ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        let bytes = try await request.body.bytes(upTo: maxDeployBytes)
        guard case .object(var settings)? = try? JSONValue.parse(bytes) else {
            throw HTTPFailure.badRequest("The body must be a JSON object: {\"name\", \"language\", \"code\", and optionally "
                                         + CodeExecutorDescriptor.deploymentSettings.dropFirst(2).joined(separator: ", ") + "}.")
        }
        let name = try checkedName(settings.removeValue(forKey: "name")?.stringValue ?? "")
        if let unknown = settings.keys.sorted().first(where: { !CodeExecutorDescriptor.deploymentSettings.contains($0) }) {
            throw HTTPFailure.badRequest("\"\(unknown)\" is not a deployment setting (" + CodeExecutorDescriptor.deploymentSettings.joined(separator: ", ")
                                         + "; inputs come from each invoke's body).", code: "invalid_parameter")
        }
        // The settings must make a valid execute job, as they will at each invoke.
        _ = try JobSubmission(type: try ctx.services.jobType(named: "\(service.apiName).execute"), inputKey: nil, params: settings)
        let validation = try await validate(settings, ctx: ctx)
        guard validation["valid"] == .bool(true) else { return syntaxError(validation, name: name) }

        let (owner, stored) = (ctx.caller.id, settings)
        let deployment = try await CodeDeployments.stub(ctx.env).call(CodeDeployments.self) {
            try await $0.deploy(owner: owner, name: name, settings: stored, at: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        }
        var answer = json(deployment, code: false)
        answer["findings"] = validation["findings"] ?? .array([])
        return .json(.object(answer), status: .created)
    }

    /// The `code.validate` job's result for the settings' language and code, waited for.
    static func validate(_ settings: [String: JSONValue], ctx: APIContext) async throws -> JSONValue {
        let type = try ctx.services.jobType(named: "\(service.apiName).validate")
        let submission = try JobSubmission(type: type, inputKey: nil, params: ["language": settings["language"] ?? .null, "code": settings["code"] ?? .null])
        let (owner, role) = (ctx.caller.id, ctx.caller.role.rawValue)
        let (job, updates) = try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) {
            try await $0.submit(submission, owner: owner, ownerRole: role, watch: .end(within: validationWait))
        }
        var final = job
        if let updates, !job.status.isTerminal {
            for await update in updates { final = update }
        }
        guard final.status == .succeeded, let result = final.result else {
            throw HTTPFailure(503, code: "validation_unavailable",
                              "The code could not be validated (validation job \(job.id) is \(final.status.rawValue)); nothing was stored. Try again.")
        }
        return result
    }

    /// A 400 with the validator's messages, and the first message's `line` and `column` (the
    /// validators print `file:LINE:COLUMN: message`).
    static func syntaxError(_ validation: JSONValue, name: String) -> Response {
        let errors = validation["errors"]?.stringValue ?? ""
        var detail: [String: JSONValue] = [
            "code": "syntax_error", "message": .string("The code of \"\(name)\" does not parse; nothing was stored. \(errors)"), "errors": .string(errors),
        ]
        if let (line, column) = position(in: errors) {
            detail["line"] = .number(Double(line))
            if let column { detail["column"] = .number(Double(column)) }
        }
        return .json(["error": .object(detail)], status: .badRequest)
    }

    /// The line (and column) of the first `name:LINE[:COLUMN]` in `messages`.
    static func position(in messages: String) -> (Int, Int?)? {
        for line in messages.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            for index in parts.indices.dropFirst() {
                guard let number = Int(parts[index]), number > 0 else { continue }
                let column = index + 1 < parts.count ? Int(parts[index + 1]) : nil
                return (number, column)
            }
        }
        return nil
    }

    static func invoke(_ name: String, _ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        let deployment = try await latest(name, request, ctx: ctx)
        let bytes = try await request.body.bytes(upTo: maxInputsBytes)
        var params = deployment.settings
        if !bytes.isEmpty {
            guard let inputs = try? JSONValue.parse(bytes) else {
                throw HTTPFailure.badRequest("The body must be JSON: it is handed to the program as its inputs.", code: "invalid_inputs")
            }
            params["inputs"] = inputs
        }
        params["deployment"] = .string(deployment.name)
        params["version"] = .number(Double(deployment.version))
        let submission = try JobSubmission(type: try ctx.services.jobType(named: "\(service.apiName).execute"), inputKey: nil, params: params)
        return try await JobRoutes.submit(submission, request: request, ctx: ctx)
    }

    static func list(ctx: APIContext) async throws -> Response {
        let owner = ctx.owner
        let summaries = try await CodeDeployments.stub(ctx.env).call(CodeDeployments.self) { try await $0.list(owner: owner) }
        return .json(["deployments": .array(summaries.map { summary in
            var entry = json(summary.latest, code: false, owner: ctx.caller.isAdmin)
            entry["versions"] = .number(Double(summary.versionCount))
            entry["firstCreatedAt"] = .string(UTCTime(milliseconds: summary.firstCreatedAt).isoString)
            return .object(entry)
        })])
    }

    static func show(_ name: String, _ request: Request, ctx: APIContext) async throws -> Response {
        let owner = try self.owner(request, ctx: ctx)
        let name = try checkedName(name)
        let versions = try await CodeDeployments.stub(ctx.env).call(CodeDeployments.self) { try await $0.versions(owner: owner, name: name) }
        guard let latest = versions.last else { throw notFound(name) }
        var answer = json(latest, code: false, owner: ctx.caller.isAdmin)
        answer["versions"] = .array(versions.map { .object(json($0, code: true)) })
        return .json(.object(answer))
    }

    static func delete(_ name: String, _ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireWrite()
        let owner = try self.owner(request, ctx: ctx)
        let name = try checkedName(name)
        let count = try await CodeDeployments.stub(ctx.env).call(CodeDeployments.self) { try await $0.delete(owner: owner, name: name) }
        guard count > 0 else { throw notFound(name) }
        return .json(["deleted": .string(name), "versions": .number(Double(count))])
    }

    /// The latest version of the deployment `name` the caller may reach, or a 404.
    static func latest(_ name: String, _ request: Request, ctx: APIContext) async throws -> CodeDeployment {
        let owner = try self.owner(request, ctx: ctx)
        let name = try checkedName(name)
        guard let deployment = try await CodeDeployments.stub(ctx.env).call(CodeDeployments.self, { try await $0.latest(owner: owner, name: name) }) else {
            throw notFound(name)
        }
        return deployment
    }

    /// Whose deployment a name means: the caller's, or for an admin the `?owner=` given.
    static func owner(_ request: Request, ctx: APIContext) throws -> String {
        guard let owner = request.searchParams["owner"], !owner.isEmpty, owner != ctx.caller.id else { return ctx.caller.id }
        guard ctx.caller.isAdmin else {
            throw HTTPFailure(403, code: "forbidden", "Only admins may name another owner's deployment (role \(ctx.caller.role.rawValue)).")
        }
        return owner
    }

    static func checkedName(_ name: String) throws -> String {
        guard CodeDeployment.isValidName(name) else {
            throw HTTPFailure.badRequest("\"name\" must be 1 to 64 characters of a-z, 0-9 and -, got \"\(name)\".", code: "invalid_name")
        }
        return name
    }

    static func notFound(_ name: String) -> HTTPFailure {
        HTTPFailure.notFound("No deployment \"\(name)\" of yours: deploy it with POST \(deployPath).", code: "deployment_not_found")
    }

    /// A version as the routes answer it: its settings without the code unless `code`.
    static func json(_ deployment: CodeDeployment, code: Bool, owner: Bool = false) -> [String: JSONValue] {
        var settings = deployment.settings
        let source = settings.removeValue(forKey: "code")?.stringValue ?? ""
        settings["language"] = nil
        var o: [String: JSONValue] = [
            "name": .string(deployment.name), "version": .number(Double(deployment.version)), "language": .string(deployment.language),
            "createdAt": .string(UTCTime(milliseconds: deployment.createdAt).isoString), "codeBytes": .number(Double(source.utf8.count)),
            "settings": .object(settings),
        ]
        if code { o["code"] = .string(source) }
        if owner { o["owner"] = .string(deployment.owner) }
        return o
    }
}
