import DocumentProcessorDescriptor
import Durable
import Outpost
import ServiceDescriptors

/// `GET /openapi.json`: the API as OpenAPI 3.1, made from the same service descriptors the routes
/// are made from (every operation's parameters, inputs and outputs), plus the platform's fixed
/// routes. `OpenAPITests` fails when the router has a route this document lacks.
enum OpenAPIDocument {
    static func make(services: ServiceRegistry) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        // Each operation's id is its method and path, so it is unique (one operation serves several paths).
        func add(_ method: String, _ path: String, _ operation: JSONValue) {
            guard case .object(var described) = operation else { return }
            described["operationId"] = .string(method + path.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined())
            paths[path, default: [:]][method] = .object(described)
        }

        add("get", "/health", plain("The runtime and its bindings (no storage I/O).", tag: "operations", auth: false, ok: .object(["type": "object"])))
        add("get", "/metrics", plain("Prometheus text.", tag: "operations", auth: false, ok: nil, contentType: "text/plain"))
        add("get", "/openapi.json", plain("This document.", tag: "operations", auth: false, ok: .object(["type": "object"])))
        add("get", "/api/me", plain("Who you are.", tag: "auth", ok: ref("Caller")))
        add("post", "/api/containers/uploads", operation(
            "Streams a file into R2 (raw body, or multipart field `file`).", tag: "jobs", write: true,
            body: ["application/octet-stream": ["schema": ["type": "string", "format": "binary"]], "multipart/form-data": multipartFile()],
            responses: ["201": json("The stored upload.", ref("Upload")), "413": error("Over UPLOAD_MAX_BYTES.")]))
        add("post", "/api/containers/jobs", operation(
            "Creates a job of any type.", tag: "jobs", write: true, parameters: [waitParameter],
            body: ["application/json": ["schema": ref("JobRequest")]], responses: jobCreated))
        add("post", "/api/containers/jobs/batch", operation(
            "Creates up to 100 jobs in one commit, or none.", tag: "jobs", write: true,
            body: ["application/json": ["schema": ["type": "object", "required": ["jobs"],
                                                   "properties": ["jobs": ["type": "array", "minItems": 1, "maxItems": 100, "items": ref("JobRequest")]]]]],
            responses: ["202": json("The stored jobs, in order.", ["type": "object", "properties": ["jobs": ["type": "array", "items": ref("Job")]]])]))
        add("get", "/api/containers/jobs", operation(
            "Your jobs, newest first (admins: everyone's).", tag: "jobs",
            parameters: [
                query("status", ["type": "string", "enum": .array(JobStatus.allCases.map { .string($0.rawValue) })]),
                query("type", ["type": "string", "enum": .array(services.jobTypes.keys.sorted().map(JSONValue.string))]),
                query("limit", ["type": "integer", "minimum": 1, "maximum": 100]),
                query("cursor", ["type": "string"]),
            ],
            responses: ["200": json("A page of jobs.", ["type": "object", "properties": ["jobs": ["type": "array", "items": ref("Job")], "cursor": ["type": ["string", "null"]]]])]))
        add("get", "/api/containers/jobs/{id}", operation("One job.", tag: "jobs", parameters: [idParameter], responses: ["200": json("The job.", ref("Job")), "404": error("No such job of yours.")]))
        add("delete", "/api/containers/jobs/{id}", operation(
            "Cancels a queued or running job.", tag: "jobs", write: true, parameters: [idParameter],
            responses: ["200": json("The cancelled job.", ref("Job")), "404": error("No such job of yours."), "409": error("The job already ended.")]))
        add("get", "/api/containers/jobs/{id}/events", operation(
            "Server-sent events: `status` on each change of status, `progress` otherwise; ends after the terminal one.", tag: "jobs",
            parameters: [idParameter], responses: ["200": ["description": "An event stream: `status` and `progress` events whose data is the job's JSON.", "content": ["text/event-stream": ["schema": [
                "type": "object", "required": ["event", "data"],
                "properties": ["event": ["type": "string", "enum": ["status", "progress"]], "data": ["type": "string"], "id": ["type": "string"]],
            ]]]], "404": error("No such job of yours.")]))
        add("get", "/api/containers/jobs/{id}/outputs/{name}", operation(
            "An output's bytes.", tag: "jobs", parameters: [idParameter, path("name")],
            responses: ["200": ["description": "The output.", "content": ["*/*": ["schema": ["type": "string", "format": "binary"]]]], "404": error("No such job or output.")]))
        add("get", "/api/containers/queues", plain("Queued jobs per type and priority, running, dead-lettered.", tag: "operations", ok: ["type": "object"]))
        add("get", "/api/containers/instances", operation("Every container instance and recent scaling decisions (admins).", tag: "operations",
                                                          responses: ["200": json("Instances.", ["type": "object"]), "403": error("Not an admin.")]))
        add("get", "/api/containers/costs", operation("Instance-seconds and cost per class (admins).", tag: "operations",
                                                      responses: ["200": json("Costs.", ["type": "object"]), "403": error("Not an admin.")]))
        DashboardRoutes.describe(add)
        add("post", SimilarRoute.path, operation(
            "The stored pitches (succeeded analyze and analyze-pitch jobs) nearest to a text or a stored pitch, by cosine of their embeddings.",
            tag: "ai",
            body: ["application/json": ["schema": ["type": "object", "properties": [
                "text": ["type": "string", "description": "Text to compare (or jobId)."],
                "jobId": ["type": "string", "description": "A stored analyze job of yours (or text)."],
                "limit": ["type": "integer", "minimum": 1, "maximum": 50, "default": 5],
                "scope": ["type": "string", "enum": ["own", "platform"], "default": "own", "description": "platform: everyone's pitches (admins only)."],
            ]]]],
            responses: ["200": json("{scope, matches: [{jobId, title, score, createdAt, owner (admins)}]}, best first.", ["type": "object"]),
                        "403": error("scope platform by a non-admin."), "404": error("No stored pitch of yours for jobId.")]))

        if services.service(apiName: "media") != nil {
            // Playback of media-transcoder streams (functions/Routes/StreamRoutes.swift).
            add("get", "/api/media/streams", plain("The caller's streams (hls-transcode and dash jobs): renditions, duration, status, playback URL.", tag: "media", ok: ["type": "object"]))
            add("get", "/api/media/streams/{id}/token", operation(
                "A signed, expiring playback token and the player URL carrying it.", tag: "media",
                parameters: [idParameter, query("ttl", ["type": "number", "minimum": 1, "maximum": 86400], description: "Seconds the token lasts (default 3600).")],
                responses: ["200": json("The token.", ["type": "object"]), "404": error("No such stream of yours.")]))
        }

        if services.service(apiName: DocumentTemplateRoutes.service.apiName) != nil {
            // Admin template uploads (functions/Routes/DocumentTemplateRoutes.swift); GET is the catalogue below.
            let name = path("name")
            let field: JSONValue = ["type": "object", "properties": [
                "type": ["type": "string", "enum": .array(UploadedTemplate.fieldTypes.map(JSONValue.string))], "required": ["type": "boolean"],
                "default": [:], "summary": ["type": "string"], "maxBytes": ["type": "integer"], "minimum": ["type": "number"],
                "maximum": ["type": "number"], "choices": ["type": "array", "items": ["type": "string"]],
            ]]
            add("put", DocumentTemplateRoutes.path + "/{name}", operation(
                "Uploads (or replaces) a template for generate-pdf (admins): Mustache text and the fields it uses, checked before it is stored.",
                tag: DocumentTemplateRoutes.service.apiName, parameters: [name],
                body: ["application/json": ["schema": ["type": "object", "required": ["source"], "properties": [
                    "source": ["type": "string", "maxLength": .number(Double(TemplateSourceCheck.maxBytes)), "description": "Mustache text: variables and sections of declared fields only."],
                    "title": ["type": "string"], "summary": ["type": "string"],
                    "fields": ["type": "object", "additionalProperties": field],
                ]]]],
                responses: ["201": json("The stored template, as the catalogue lists it.", ["type": "object"]), "200": json("A template replaced.", ["type": "object"]),
                            "400": error("A Mustache syntax error (with line and column), an undeclared field or a bad declaration."),
                            "403": error("Not an admin."), "409": error("A shipped template's name."), "413": error("A source over 64 KiB.")]))
            add("delete", DocumentTemplateRoutes.path + "/{name}", operation(
                "Deletes an uploaded template (admins).", tag: DocumentTemplateRoutes.service.apiName, parameters: [name],
                responses: ["200": json("Deleted.", ["type": "object"]), "403": error("Not an admin."), "404": error("No such uploaded template."),
                            "409": error("A shipped template (it cannot be deleted).")]))
        }

        if services.service(apiName: CodeDeploymentRoutes.service.apiName) != nil { CodeDeploymentRoutes.describe(add) }

        for service in services.services {
            for operation in service.operations {
                let job = submit(service, operation)
                add("post", "/api/\(service.apiName)/\(operation.name)", job)
                add("post", "/api/containers/\(service.containerPath)/\(operation.name)", job)
            }
            for catalogue in service.catalogues {
                add("get", "/api/\(service.apiName)/\(catalogue.name)", plain(catalogue.summary, tag: service.apiName, ok: ["type": "object"]))
            }
            for alias in service.aliases {
                switch alias.target {
                case .operation(let name):
                    if let operation = service.operation(name) { add("post", alias.path, submit(service, operation)) }
                case .catalogue(let name):
                    add("get", alias.path, plain("The \(name) catalogue.", tag: service.apiName, ok: ["type": "object"]))
                case .operationField(let field, let allowed):
                    add("post", alias.path, operation(
                        "A job of the \(service.apiName) service's operation named by `\(field)`.", tag: service.apiName, write: true,
                        parameters: [waitParameter],
                        body: ["application/json": ["schema": ["type": "object", "required": [.string(field)], "properties": [
                            field: ["type": "string", "enum": .array(allowed.map(JSONValue.string))],
                            "inputKey": ["type": "string"], "key": ["type": "string"], "params": ["type": "object"],
                            "priority": priority, "webhookUrl": ["type": "string", "format": "uri"], "delaySeconds": delay,
                        ]]]],
                        responses: jobCreated))
                }
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Pitchey on Outpost", "version": "1", "description": "Jobs on container services; every service's operations come from its descriptor."],
            "servers": [["url": "/"]],
            "security": [["apiKey": []], ["bearer": []]],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": ["securitySchemes": securitySchemes, "schemas": schemas(services)],
        ]
    }

    // MARK: per service

    /// `POST` of one operation: JSON (the R2 key and parameters), or the file itself with its
    /// parameters in the query string.
    static func submit(_ service: ServiceDescriptor, _ operation: OperationDescriptor) -> JSONValue {
        var properties: [String: JSONValue] = ["priority": priority, "webhookUrl": ["type": "string", "format": "uri"], "delaySeconds": delay]
        var required: [JSONValue] = operation.parameters.filter(\.required).map { .string($0.name) }
        for parameter in operation.parameters { properties[parameter.name] = schema(parameter) }
        var body: [String: JSONValue] = [:]
        var parameters = [waitParameter]
        if operation.input == .media {
            properties["key"] = ["type": "string", "description": "The R2 key of an upload (POST /api/containers/uploads)."]
            required.append("key")
            body["multipart/form-data"] = multipartFile()
            body["application/octet-stream"] = ["schema": ["type": "string", "format": "binary"]]
            parameters += operation.parameters.map { query($0.name, schema($0), description: $0.summary) }
        }
        body["application/json"] = ["schema": ["type": "object", "additionalProperties": false, "required": .array(required), "properties": .object(properties)]]
        let outputs = operation.outputs.map(\.contentType).joined(separator: ", ")
        return self.operation("\(operation.summary) Outputs: \(outputs). Times out after \(Int(operation.timeoutSeconds)) s.",
                              tag: service.apiName, write: true, parameters: parameters, body: .object(body), responses: jobCreated)
    }

    /// A parameter's JSON schema from its rule. Values may also arrive as text (forms, query strings).
    static func schema(_ parameter: ParameterSpec) -> JSONValue {
        var out: [String: JSONValue] = ["description": .string(parameter.summary)]
        switch parameter.kind {
        case .number(let range):
            out["type"] = "number"; out["minimum"] = .number(range.lowerBound); out["maximum"] = .number(range.upperBound)
        case .integer(let range):
            out["type"] = "integer"; out["minimum"] = .number(Double(range.lowerBound)); out["maximum"] = .number(Double(range.upperBound))
        case .choice(let values):
            out["type"] = "string"; out["enum"] = .array(values.map(JSONValue.string))
        case .choices(let values):
            // Comma-separated text (the form query strings and form fields can carry).
            let one = "(" + values.joined(separator: "|") + ")"
            out["type"] = "string"; out["pattern"] = .string("^ *\(one) *(, *\(one) *)*$")
        case .text(let max):
            out["type"] = "string"; out["maxLength"] = .number(Double(max))
        case .boolean:
            out["type"] = "boolean"
        case .json(let max):
            out["description"] = .string(parameter.summary + " (any JSON, at most \(max) bytes serialized)")
        case .objectKey:
            out["type"] = "string"; out["minLength"] = 1; out["maxLength"] = .number(Double(ParameterSpec.maxObjectKeyBytes))
            out["description"] = .string(parameter.summary + " (the R2 key of an upload, POST /api/containers/uploads)")
        case .objectKeys(let count):
            out["type"] = "array"; out["minItems"] = .number(Double(count.lowerBound)); out["maxItems"] = .number(Double(count.upperBound))
            out["items"] = ["type": "string", "minLength": 1, "maxLength": .number(Double(ParameterSpec.maxObjectKeyBytes))]
            out["description"] = .string(parameter.summary + " (R2 keys of uploads, POST /api/containers/uploads; also comma-separated text)")
        }
        if let value = parameter.defaultValue { out["default"] = value }
        return .object(out)
    }

    // MARK: pieces

    static let priority: JSONValue = ["type": "string", "enum": ["high", "normal", "low"]]
    static let delay: JSONValue = ["type": "number", "minimum": 0, "maximum": 86400]
    static let waitParameter = query("wait", ["type": "number", "minimum": 0, "maximum": 60], description: "Seconds to wait for the job to end (200), else 202.")
    static let idParameter = path("id")

    static let jobCreated: JSONValue = [
        "200": json("The job ended within ?wait=.", ref("Job")),
        "202": json("The job, stored (still going).", ref("Job")),
        "400": error("Bad input, naming the field or parameter and what it accepts."),
        "404": error("No such service or operation (the message lists what exists)."),
        "413": error("The upload is over UPLOAD_MAX_BYTES."),
        "415": error("An unsupported request content type."),
    ]

    static func plain(_ summary: String, tag: String, auth: Bool = true, ok: JSONValue?, contentType: String = "application/json") -> JSONValue {
        var responses: [String: JSONValue] = ["200": ["description": "OK", "content": .object([contentType: ok.map { ["schema": $0] } ?? ["schema": ["type": "string"]]])]]
        if !auth { return ["summary": .string(summary), "tags": [.string(tag)], "security": [], "responses": .object(responses)] }
        responses.merge(standardErrors) { a, _ in a }
        return ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(responses)]
    }

    static func operation(_ summary: String, tag: String, write: Bool = false, parameters: [JSONValue] = [], body: JSONValue? = nil,
                          responses: JSONValue) -> JSONValue {
        var all = responses.objectValue ?? [:]
        all.merge(standardErrors) { a, _ in a }
        if write { all["403"] = all["403"] ?? error("Viewers cannot create or change things.") }
        var out: [String: JSONValue] = ["summary": .string(summary), "tags": [.string(tag)], "responses": .object(all)]
        if !parameters.isEmpty { out["parameters"] = .array(parameters) }
        if let body { out["requestBody"] = ["required": true, "content": body] }
        return .object(out)
    }

    static let standardErrors: [String: JSONValue] = [
        "400": error("Bad input: the message names the field or parameter and what it accepts."),
        "401": error("No or bad credentials."),
        "429": ["description": "Over the caller's rate limit.", "headers": ["Retry-After": ["schema": ["type": "integer"]]],
                "content": ["application/json": ["schema": ref("Error")]]],
    ]

    static func json(_ description: String, _ schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func error(_ description: String) -> JSONValue { json(description, ref("Error")) }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func query(_ name: String, _ schema: JSONValue, description: String? = nil) -> JSONValue {
        var out: [String: JSONValue] = ["name": .string(name), "in": "query", "required": false, "schema": schema]
        if let description { out["description"] = .string(description) }
        return .object(out)
    }

    static func path(_ name: String) -> JSONValue { ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]] }

    static func multipartFile() -> JSONValue {
        ["schema": ["type": "object", "required": ["file"], "properties": ["file": ["type": "string", "format": "binary"]]]]
    }

    static let securitySchemes: JSONValue = [
        "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
        "bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT (HS256 with sub, role, exp)"],
    ]

    static func schemas(_ services: ServiceRegistry) -> JSONValue {
        let nullableString: JSONValue = ["type": ["string", "null"]]
        return [
            "Error": ["type": "object", "required": ["error"], "properties": [
                "error": ["type": "object", "required": ["code", "message"], "properties": ["code": ["type": "string"], "message": ["type": "string"]]],
            ]],
            "Caller": ["type": "object", "required": ["id", "role"], "properties": ["id": ["type": "string"], "role": ["type": "string", "enum": ["admin", "user", "viewer"]]]],
            "Upload": ["type": "object", "required": ["key", "size", "etag"], "properties": ["key": ["type": "string"], "size": ["type": "integer"], "etag": ["type": "string"]]],
            "JobRequest": ["type": "object", "required": ["type"], "properties": [
                "type": ["type": "string", "enum": .array(services.jobTypes.keys.sorted().map(JSONValue.string))],
                "input": ["type": "object", "required": ["key"], "properties": ["key": ["type": "string"]]],
                "params": ["type": "object"], "priority": priority, "webhookUrl": ["type": "string", "format": "uri"], "delaySeconds": delay,
            ]],
            "Job": ["type": "object", "required": ["id", "type", "status", "priority", "attempts", "maxAttempts", "progress", "createdAt", "params", "outputs"], "properties": [
                "id": ["type": "string"], "type": ["type": "string"],
                "status": ["type": "string", "enum": .array(JobStatus.allCases.map { .string($0.rawValue) })],
                "priority": priority, "attempts": ["type": "integer"], "maxAttempts": ["type": "integer"],
                "progress": ["type": "number", "minimum": 0, "maximum": 1], "stage": ["type": "string"],
                "createdAt": ["type": "string", "format": "date-time"],
                "startedAt": nullableString, "finishedAt": nullableString, "notBefore": ["type": "string"],
                "params": ["type": "object"],
                "input": ["type": ["object", "null"]],
                "result": [:],
                "error": ["oneOf": [["type": "null"], ["type": "object", "properties": ["code": ["type": "string"], "message": ["type": "string"]]]]],
                "outputs": ["type": "array", "items": ["type": "object", "required": ["name", "key", "contentType", "size", "url"], "properties": [
                    "name": ["type": "string"], "key": ["type": "string"], "contentType": ["type": "string"], "size": ["type": "integer"], "url": ["type": "string"],
                ]]],
                "webhookUrl": ["type": "string"],
            ]],
        ]
    }
}
