import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// The web dashboard: the page itself at `/dashboard` (no credentials needed to load it; it holds
/// no data) and the admin-only JSON it reads besides the job, queue, instance and cost routes:
///
/// - `GET /api/dashboard/instances/{class}/{id}/logs?lines=N`: the tail of an instance's log;
/// - `GET /api/dashboard/objects`: the stored Durable Objects of every class;
/// - `GET /api/dashboard/kv`, `/kv/{binding}`, `/kv/{binding}/value?key=`: KV, read-only;
/// - `GET /api/dashboard/r2`, `/r2/{binding}`, `/r2/{binding}/object?key=`: R2, read-only.
enum DashboardRoutes {
    // MARK: the page

    /// The page's files (embedded in the binary from `functions/Dashboard/`), by request path.
    static let assets: [String: (contentType: String, bytes: [UInt8])] = [
        "/dashboard": ("text/html; charset=utf-8", PackageResources.index_html),
        "/dashboard/": ("text/html; charset=utf-8", PackageResources.index_html),
        "/dashboard/dashboard.css": ("text/css; charset=utf-8", PackageResources.dashboard_css),
        "/dashboard/dashboard.js": ("text/javascript; charset=utf-8", PackageResources.dashboard_js),
    ]

    /// The page or one of its files for `GET`/`HEAD` of a dashboard path; nil for anything else.
    /// The files hold no data: everything shown is fetched with the credential the user enters.
    static func page(_ request: Request) -> Response? {
        guard request.method == .get || request.method == .head, let asset = assets[request.path] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: request.method == .head ? .empty : Body(bytes: asset.bytes))
    }

    // MARK: the JSON routes

    /// Most log lines one request returns, and the most bytes read from the end of the file.
    static let maxLogLines = 1000
    static let maxLogBytes = 256 * 1024
    /// The most bytes of a KV value shown.
    static let maxValueBytes = 64 * 1024

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.get, "/api/dashboard/instances/:class/:id/logs") { request, params, ctx in
            try ctx.requireAdmin()
            return .json(try logTail(className: params["class"] ?? "", id: params["id"] ?? "", request: request, ctx: ctx))
        }
        r.on(.get, "/api/dashboard/objects") { _, _, ctx in
            try ctx.requireAdmin()
            return .json(try durableObjects(ctx))
        }
        r.on(.get, "/api/dashboard/kv") { _, _, ctx in
            try ctx.requireAdmin()
            let names = ctx.env.bindingNames.filter { (try? ctx.env.kv($0)) != nil }
            return .json(["namespaces": .array(names.map { name in
                ["binding": .string(name), "id": .string((try? ctx.env.kv(name).namespaceID) ?? "")]
            })] as JSONValue)
        }
        r.on(.get, "/api/dashboard/kv/:binding") { request, params, ctx in
            try ctx.requireAdmin()
            return .json(try await kvKeys(params["binding"] ?? "", request: request, ctx: ctx))
        }
        r.on(.get, "/api/dashboard/kv/:binding/value") { request, params, ctx in
            try ctx.requireAdmin()
            return .json(try await kvValue(params["binding"] ?? "", request: request, ctx: ctx))
        }
        r.on(.get, "/api/dashboard/r2") { _, _, ctx in
            try ctx.requireAdmin()
            let names = ctx.env.bindingNames.filter { (try? ctx.env.r2($0)) != nil }
            return .json(["buckets": .array(names.map { name in
                ["binding": .string(name), "bucket": .string((try? ctx.env.r2(name).bucketName) ?? "")]
            })] as JSONValue)
        }
        r.on(.get, "/api/dashboard/r2/:binding") { request, params, ctx in
            try ctx.requireAdmin()
            return .json(try await r2Objects(params["binding"] ?? "", request: request, ctx: ctx))
        }
        r.on(.get, "/api/dashboard/r2/:binding/object") { request, params, ctx in
            try ctx.requireAdmin()
            return .json(try await r2Object(params["binding"] ?? "", request: request, ctx: ctx))
        }
    }

    /// A storage call whose refusal (a key too long, a bad cursor) is the caller's bad input: 400
    /// with the storage's message, whatever status the binding would give it.
    static func asBadRequest<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KVError {
            throw HTTPFailure.badRequest(error.message, code: error.code)
        } catch let error as R2Error where error.status < 500 {
            throw HTTPFailure.badRequest(error.message, code: error.code)
        }
    }

    /// The state directory, known to every Durable Object namespace.
    static func stateDirectory(_ ctx: APIContext) throws -> String {
        try ctx.env.durableObject(PlatformBindings.orchestrator).stateDirectory
    }

    /// `?name=` as a whole number in `range`, or `fallback` when absent.
    static func integer(_ name: String, _ request: Request, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = request.searchParams[name] else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw HTTPFailure.badRequest("\"\(name)\" must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\".", code: "invalid_\(name)")
        }
        return n
    }

    /// A required, non-empty `?key=`.
    static func key(_ request: Request) throws -> String {
        guard let key = request.searchParams["key"], !key.isEmpty else {
            throw HTTPFailure.badRequest("Pass the key to read as ?key=.", code: "missing_key")
        }
        return key
    }

    /// The last `?lines=` (default 200) lines of the instance's log file.
    static func logTail(className: String, id: String, request: Request, ctx: APIContext) throws -> JSONValue {
        let lines = try integer("lines", request, in: 1...maxLogLines, default: 200)
        guard ctx.services.services.contains(where: { $0.containerClass == className }) else {
            let known = ctx.services.services.map(\.containerClass).sorted().joined(separator: ", ")
            throw HTTPFailure.notFound("No container class \"\(className)\"; classes: \(known).", code: "class_not_found")
        }
        let inspector = ContainerInspector(stateDirectory: try stateDirectory(ctx))
        guard let path = try? inspector.logFiles(className: className, name: id).first else {
            throw HTTPFailure.notFound("No log for instance \"\(id)\" of \(className) (it has not started yet, or the id is wrong).", code: "log_not_found")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HTTPFailure.notFound("The log of \(className)/\(id) cannot be opened.", code: "log_not_found")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(maxLogBytes) ? size - UInt64(maxLogBytes) : 0
        try handle.seek(toOffset: start)
        var text = String(decoding: (try handle.readToEnd()) ?? Data(), as: UTF8.self)
        // A read that starts mid-file starts mid-line: drop the partial first line.
        if start > 0, let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
        // The last piece is "" after a final newline, or a line still being written: drop it either way.
        let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        return [
            "class": .string(className), "id": .string(id), "bytes": .number(Double(size)),
            "lines": .array(complete.suffix(lines).map(JSONValue.string)),
        ]
    }

    /// Every Durable Object namespace bound in the Worker's env, with its stored objects.
    static func durableObjects(_ ctx: APIContext) throws -> JSONValue {
        let inspector = try DurableObjectInspector(stateDirectory: try stateDirectory(ctx))
        var classes: [JSONValue] = []
        for binding in ctx.env.bindingNames {
            guard let namespace = try? ctx.env.durableObject(binding) else { continue }
            let objects = (try? inspector.list(className: namespace.className)) ?? []
            // The first 200 by id; the count covers all.
            let listed: [JSONValue] = objects.prefix(200).map { o in
                let alarm: JSONValue = o.alarm.map { .string(UTCTime(milliseconds: $0).isoString) } ?? .null
                let name: JSONValue = o.name.map(JSONValue.string) ?? .null
                return .object(["id": .string(o.id), "name": name, "bytes": .number(Double(o.size)), "alarm": alarm])
            }
            let total = objects.reduce(0) { $0 + $1.size }
            classes.append(.object([
                "class": .string(namespace.className), "binding": .string(binding),
                "container": .bool(namespace.containerConfig != nil),
                "count": .number(Double(objects.count)), "bytes": .number(Double(total)), "objects": .array(listed),
            ]))
        }
        return ["classes": .array(classes)]
    }

    static func kvNamespace(_ binding: String, _ ctx: APIContext) throws -> KVNamespace {
        guard let namespace = try? ctx.env.kv(binding) else {
            throw HTTPFailure.notFound("No KV namespace is bound as \"\(binding)\".", code: "binding_not_found")
        }
        return namespace
    }

    static func r2Bucket(_ binding: String, _ ctx: APIContext) throws -> R2Bucket {
        guard let bucket = try? ctx.env.r2(binding) else {
            throw HTTPFailure.notFound("No R2 bucket is bound as \"\(binding)\".", code: "binding_not_found")
        }
        return bucket
    }

    /// A page of keys: `?prefix=`, `?cursor=`, `?limit=` (1…1000, default 100).
    static func kvKeys(_ binding: String, request: Request, ctx: APIContext) async throws -> JSONValue {
        let namespace = try kvNamespace(binding, ctx)
        let limit = try integer("limit", request, in: 1...1000, default: 100)
        let q = request.searchParams
        let page = try await asBadRequest { try await namespace.list(KVListOptions(prefix: q["prefix"], limit: limit, cursor: q["cursor"])) }
        return [
            "binding": .string(binding),
            "keys": .array(page.keys.map { key in
                ["name": .string(key.name), "expiration": key.expiration.map { .number(Double($0)) } ?? .null, "metadata": key.metadata ?? .null]
            }),
            "cursor": page.cursor.map(JSONValue.string) ?? .null,
        ]
    }

    /// One value as text (the first 64 KiB), or its size when it is not UTF-8.
    static func kvValue(_ binding: String, request: Request, ctx: APIContext) async throws -> JSONValue {
        let namespace = try kvNamespace(binding, ctx)
        let key = try key(request)
        guard let stored = try await asBadRequest({ try await namespace.getBytesWithMetadata(key) }) else {
            throw HTTPFailure.notFound("No key \"\(key)\" in \(binding).", code: "key_not_found")
        }
        let shown = stored.value.prefix(maxValueBytes)
        let text = String(validating: shown, as: UTF8.self)
        return [
            "binding": .string(binding), "key": .string(key), "bytes": .number(Double(stored.value.count)),
            "text": text.map(JSONValue.string) ?? .null, "truncated": .bool(shown.count < stored.value.count),
            "metadata": stored.metadata ?? .null,
        ]
    }

    /// A page of objects, grouped by `/` unless `?delimiter=` says otherwise: `?prefix=`, `?cursor=`, `?limit=`.
    static func r2Objects(_ binding: String, request: Request, ctx: APIContext) async throws -> JSONValue {
        let bucket = try r2Bucket(binding, ctx)
        let limit = try integer("limit", request, in: 1...1000, default: 100)
        let q = request.searchParams
        let page = try await asBadRequest {
            try await bucket.list(R2ListOptions(limit: limit, prefix: q["prefix"], cursor: q["cursor"], delimiter: q["delimiter"] ?? "/", include: [.httpMetadata]))
        }
        return [
            "binding": .string(binding), "bucket": .string(bucket.bucketName),
            "objects": .array(page.objects.map { o in
                [
                    "key": .string(o.key), "size": .number(Double(o.size)), "uploaded": .string(o.uploaded.formatted(.iso8601)),
                    "contentType": o.httpMetadata.contentType.map(JSONValue.string) ?? .null,
                ]
            }),
            "prefixes": .array(page.delimitedPrefixes.map(JSONValue.string)),
            "cursor": page.truncated ? page.cursor.map(JSONValue.string) ?? .null : .null,
        ]
    }

    /// One object's metadata (never its bytes: outputs are read through their jobs).
    static func r2Object(_ binding: String, request: Request, ctx: APIContext) async throws -> JSONValue {
        let bucket = try r2Bucket(binding, ctx)
        let key = try key(request)
        guard let o = try await asBadRequest({ try await bucket.head(key) }) else {
            throw HTTPFailure.notFound("No object \"\(key)\" in \(binding).", code: "object_not_found")
        }
        return [
            "binding": .string(binding), "key": .string(o.key), "size": .number(Double(o.size)), "etag": .string(o.etag),
            "uploaded": .string(o.uploaded.formatted(.iso8601)), "version": .string(o.version),
            "contentType": o.httpMetadata.contentType.map(JSONValue.string) ?? .null,
            "customMetadata": .object(o.customMetadata.mapValues(JSONValue.string)),
        ]
    }

    // MARK: the OpenAPI description

    /// Describes the JSON routes above for `/openapi.json` through its `add(method, path, operation)`.
    static func describe(_ add: (String, String, JSONValue) -> Void) {
        typealias D = OpenAPIDocument
        func adminOnly(_ summary: String, parameters: [JSONValue] = [], notFound: String? = nil) -> JSONValue {
            var responses: [String: JSONValue] = ["200": D.json("OK.", ["type": "object"]), "403": D.error("Not an admin.")]
            if let notFound { responses["404"] = D.error(notFound) }
            return D.operation(summary + " (admins).", tag: "dashboard", parameters: parameters, responses: .object(responses))
        }
        add("get", "/dashboard", D.plain("The web dashboard's page (it holds no data; sign in with an admin key or JWT).",
                                        tag: "dashboard", auth: false, ok: nil, contentType: "text/html"))
        let binding = D.path("binding")
        let limit = D.query("limit", ["type": "integer", "minimum": 1, "maximum": 1000])
        let key: JSONValue = ["name": "key", "in": "query", "required": true, "schema": ["type": "string", "minLength": 1]]
        add("get", "/api/dashboard/instances/{class}/{id}/logs", adminOnly(
            "The last lines of a container instance's log", parameters: [D.path("class"), D.path("id"), D.query("lines", ["type": "integer", "minimum": 1, "maximum": .number(Double(maxLogLines))])],
            notFound: "No such class, or no log for that instance."))
        add("get", "/api/dashboard/objects", adminOnly("The stored Durable Objects of every bound class"))
        add("get", "/api/dashboard/kv", adminOnly("The bound KV namespaces"))
        add("get", "/api/dashboard/kv/{binding}", adminOnly(
            "A page of a KV namespace's keys", parameters: [binding, D.query("prefix", ["type": "string"]), D.query("cursor", ["type": "string"]), limit],
            notFound: "No KV namespace bound by that name."))
        add("get", "/api/dashboard/kv/{binding}/value", adminOnly(
            "One KV value as text", parameters: [binding, key], notFound: "No such namespace or key."))
        add("get", "/api/dashboard/r2", adminOnly("The bound R2 buckets"))
        add("get", "/api/dashboard/r2/{binding}", adminOnly(
            "A page of an R2 bucket's objects and prefixes", parameters: [
                binding, D.query("prefix", ["type": "string"]), D.query("delimiter", ["type": "string"]), D.query("cursor", ["type": "string"]), limit,
            ], notFound: "No R2 bucket bound by that name."))
        add("get", "/api/dashboard/r2/{binding}/object", adminOnly(
            "One R2 object's metadata", parameters: [binding, key], notFound: "No such bucket or object."))
    }
}
