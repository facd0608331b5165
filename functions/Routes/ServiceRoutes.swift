import Durable
import Foundation
import NIOConcurrencyHelpers
import Outpost
import ServiceDescriptors

/// One route family for every service in the registry, each answering like
/// `POST /api/containers/jobs` (`?wait=`, `priority`, `webhookUrl`, `delaySeconds`):
///
/// - `POST /api/{service}/{operation}` and `POST /api/containers/{service-path}/{operation}`: a
///   multipart `file` with parameters in other fields or the query string, a raw body with
///   parameters in the query string, or JSON `{"key", ...params}`;
/// - `GET /api/{service}/{catalogue}`: asked of the service once, then cached;
/// - each descriptor's aliases (the Pitchey documents' own paths).
///
/// An unknown service or operation is a 404 that lists what exists; a bad parameter is a 400
/// naming it and what it accepts, before anything (upload or job) is stored.
enum ServiceRoutes {
    /// Fields of a request that are about the job, not parameters of the operation.
    static let jobFields: Set<String> = ["key", "priority", "webhookUrl", "delaySeconds", "wait"]

    static func add(to r: inout WorkerRouter<APIContext>, services: ServiceRegistry) {
        for service in services.services {
            for alias in service.aliases { add(alias, of: service, to: &r) }
            for operation in service.operations {
                for path in ["/api/\(service.apiName)/\(operation.name)", "/api/containers/\(service.containerPath)/\(operation.name)"] {
                    r.on(.post, path) { request, _, ctx in try await submit(service, operationNamed: operation.name, request, ctx: ctx) }
                }
            }
            for catalogue in service.catalogues {
                r.on(.get, "/api/\(service.apiName)/\(catalogue.name)") { _, _, ctx in try await self.catalogue(service, named: catalogue.name, ctx: ctx) }
            }
        }
        // What is left of the same shapes names an operation, catalogue or service that does not
        // exist: a 404 that lists what does.
        for (method, pattern) in fallbacks(services) {
            r.on(method, pattern) { _, params, ctx in throw notFound(pattern, params, services: ctx.services) }
        }
    }

    /// The routes that only answer 404 (with what exists), after every real one.
    static func fallbacks(_ services: ServiceRegistry) -> [(HTTPRequest.Method, String)] {
        services.services.flatMap { service in
            [(.post, "/api/\(service.apiName)/:operation"), (.get, "/api/\(service.apiName)/:catalogue"),
             (.post, "/api/containers/\(service.containerPath)/:operation")]
        } + [(.post, "/api/containers/:path/:operation"), (.post, "/api/:service/:operation"), (.get, "/api/:service/:catalogue")]
    }

    private static func notFound(_ pattern: String, _ params: RouteParameters, services: ServiceRegistry) -> HTTPFailure {
        if let name = params["path"] {
            return unknownService(name, known: services.services.map { "/api/containers/\($0.containerPath)" })
        }
        if let name = params["service"] {
            return unknownService(name, known: services.services.map { "/api/\($0.apiName)" })
        }
        let service = services.services.first { pattern.hasPrefix("/api/\($0.apiName)/") || pattern.hasPrefix("/api/containers/\($0.containerPath)/") }
        let operations = service?.operations.map(\.name).joined(separator: ", ") ?? ""
        let catalogues = service?.catalogues.map(\.name).joined(separator: ", ") ?? ""
        let what = params["operation"].map { "operation \"\($0)\"" } ?? "catalogue \"\(params["catalogue"] ?? "")\""
        return HTTPFailure.notFound(
            "The \(service?.apiName ?? "") service has no \(what). Operations (POST): \(operations)"
                + (catalogues.isEmpty ? "." : "; catalogues (GET): \(catalogues)."),
            code: params["operation"] != nil ? "unknown_operation" : "unknown_catalogue")
    }

    private static func add(_ alias: RouteAlias, of service: ServiceDescriptor, to r: inout WorkerRouter<APIContext>) {
        switch alias.target {
        case .operation(let name):
            r.on(.post, alias.path) { request, _, ctx in try await submit(service, operationNamed: name, request, ctx: ctx) }
        case .catalogue(let name):
            r.on(.get, alias.path) { _, _, ctx in try await catalogue(service, named: name, ctx: ctx) }
        case .operationField(let field, let allowed):
            r.on(.post, alias.path) { request, _, ctx in
                try await submit(service, operationField: field, allowed: allowed, request, ctx: ctx)
            }
        }
    }

    /// `{"inputKey" (or "key"), "<field>": operation, "params": {…}, "priority", "webhookUrl", "delaySeconds"}`.
    /// (A function of its own, not optimized, rather than the route's closure body: Swift 6.3.1's
    /// release build crashed (signal 11) splitting that coroutine, so `make bench` could not build.)
    @_optimize(none)
    private static func submit(
        _ service: ServiceDescriptor, operationField field: String, allowed: [String], _ request: Request, ctx: APIContext
    ) async throws -> Response {
        try ctx.requireWrite()
        guard case .object(let body) = try await request.body.json(JSONValue.self) else {
            throw JobInputError("The body must be a JSON object: {\"inputKey\", \"\(field)\", \"params\"}.")
        }
        guard let name = body[field]?.stringValue, allowed.contains(name), let operation = service.operation(name) else {
            throw JobInputError("\"\(field)\" must be one of \(allowed.joined(separator: ", ")).", code: "unknown_operation")
        }
        let key = body["inputKey"]?.stringValue ?? body["key"]?.stringValue
        if operation.input == .media, key == nil {
            throw JobInputError("\"inputKey\" (the R2 key of an upload) is required.", code: "missing_input")
        }
        var job: [String: JSONValue] = ["type": .string(service.jobType(operation))]
        if let key { job["input"] = ["key": .string(key)] }
        for name in ["params", "priority", "webhookUrl", "delaySeconds"] { job[name] = body[name] }
        return try await JobRoutes.submit(try await JobRoutes.submission(.object(job), ctx: ctx), request: request, ctx: ctx)
    }

    /// A job of `service`'s operation from an upload in the request, the R2 key in a JSON body,
    /// or (operations without input) JSON parameters alone.
    static func submit(_ service: ServiceDescriptor, operationNamed name: String, _ request: Request, ctx: APIContext) async throws -> Response {
        guard let operation = service.operation(name) else {
            throw HTTPFailure.notFound(
                "The \(service.apiName) service has no operation \"\(name)\". Operations: \(service.operations.map(\.name).joined(separator: ", "))"
                    + (service.catalogues.isEmpty ? "." : "; catalogues (GET): \(service.catalogues.map(\.name).joined(separator: ", ")).")
                , code: "unknown_operation")
        }
        try ctx.requireWrite()
        let type = try ctx.services.jobType(service, operation)
        let contentType = request.contentType?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            guard case .object(var fields) = try await request.body.json(JSONValue.self) else {
                throw JobInputError("The body must be a JSON object\(operation.input == .media ? " with \"key\" (the R2 key of an upload)" : " of parameters").")
            }
            var job: [String: JSONValue] = ["type": .string(type.name)]
            if let key = fields.removeValue(forKey: "key") {
                guard let text = key.stringValue else { throw JobInputError("\"key\" must be a string: the R2 key of an upload.") }
                job["input"] = ["key": .string(text)]
            } else if operation.input == .media {
                throw JobInputError("\"key\" (the R2 key of an upload) is required, or post the file as multipart field \"file\".", code: "missing_input")
            }
            for field in ["priority", "webhookUrl", "delaySeconds"] { job[field] = fields.removeValue(forKey: field) }
            job["params"] = .object(fields)
            return try await JobRoutes.submit(try await JobRoutes.submission(.object(job), ctx: ctx), request: request, ctx: ctx)
        }
        guard operation.input == .media else {
            throw HTTPFailure(415, code: "unsupported_media_type", "\(type.name) takes no input file: send its parameters as JSON (Content-Type: application/json).")
        }
        // An upload (multipart `file` or the raw body); parameters come from the query string and
        // are checked before the upload is stored.
        let query = request.searchParams
        var params: [String: JSONValue] = [:]
        for (name, value) in query where !jobFields.contains(name) { params[name] = .string(value) }
        var priority = JobPriority.normal
        if let p = query["priority"] {
            guard let parsed = JobPriority(rawValue: p) else { throw JobInputError("\"priority\" must be \"high\", \"normal\" or \"low\".") }
            priority = parsed
        }
        let webhook = query["webhookUrl"]
        let delay = try query["delaySeconds"].map { text throws(JobInputError) -> Double in
            guard let seconds = Double(text) else { throw JobInputError("\"delaySeconds\" must be a number.") }
            return seconds
        } ?? 0
        let checked = try JobSubmission(type: type, inputKey: "pending-upload", params: params, priority: priority, webhookURL: webhook, delaySeconds: delay)
        try await JobRoutes.checkObjects(checked, ctx: ctx)
        _ = try JobRoutes.waitSeconds(request)
        let object = try await UploadRoute.store(request, ctx: ctx)
        let submission = try JobSubmission(type: type, inputKey: object.key, params: params, priority: priority, webhookURL: webhook, delaySeconds: delay)
        return try await JobRoutes.submit(submission, request: request, ctx: ctx)
    }

    /// Catalogue answers by service image and name, kept after the first success (they describe
    /// the image, which does not change while the runtime runs).
    static let catalogues = NIOLockedValueBox<[String: JSONValue]>([:])

    /// `GET /api/{service}/{catalogue}`: the service's own answer, asked of its first instance.
    static func catalogue(_ service: ServiceDescriptor, named name: String, ctx: APIContext) async throws -> Response {
        guard let catalogue = service.catalogues.first(where: { $0.name == name }) else {
            throw HTTPFailure.notFound(
                "The \(service.apiName) service has no catalogue \"\(name)\". Catalogues: \(service.catalogues.map(\.name).joined(separator: ", "))"
                    + "; operations (POST): \(service.operations.map(\.name).joined(separator: ", ")).", code: "unknown_catalogue")
        }
        let cacheKey = service.image + catalogue.servicePath
        if let cached = catalogues.withLockedValue({ $0[cacheKey] }) { return .json(cached) }
        let instance = service.instanceName(1)
        let response = try await ctx.env.durableObject(service.binding).getByName(instance).fetch("http://\(instance)\(catalogue.servicePath)")
        guard response.status.code == 200 else {
            throw HTTPFailure(502, code: "service_unavailable", "The \(service.apiName) service answered HTTP \(response.status.code) for its \(name).")
        }
        let value = try await response.body.json(JSONValue.self)
        catalogues.withLockedValue { $0[cacheKey] = value }
        return .json(value)
    }

    static func unknownService(_ name: String, known: [String]) -> HTTPFailure {
        HTTPFailure.notFound("No service \"\(name)\". Services: \(known.joined(separator: ", ")).", code: "unknown_service")
    }
}
