/// A small path router for Workers: `GET /api/jobs/:id` patterns, first match wins.
///
/// A path that matches no pattern is a 404; a path that matches with another method is a 405
/// listing the allowed methods.
public struct WorkerRouter<Context: Sendable>: Sendable {
    public typealias Handler = @Sendable (Request, RouteParameters, Context) async throws -> Response

    /// The patterns, matched without touching `Context`: a plain table, so routing runs as
    /// specialized code whatever the Worker's context type (unspecialized generic code spent most
    /// of its time instantiating type metadata).
    private var table = RouteTable()
    /// Each pattern's handler, by its index in `table`.
    private var handlers: [Handler] = []

    public init() {}

    /// Adds a route. `pattern` segments starting with `:` capture one segment; `*name` captures the rest.
    public mutating func on(_ method: HTTPRequest.Method, _ pattern: String, _ handler: @escaping Handler) {
        table.add(method, pattern)
        handlers.append(handler)
    }

    /// Every route's method and pattern, in the order they match (for API descriptions and their tests).
    public var patterns: [(method: HTTPRequest.Method, pattern: String)] {
        table.routes.map { ($0.method, $0.pattern) }
    }

    /// Routes `request`; nil when no pattern matches the path at all.
    public func handle(_ request: Request, context: Context) async throws -> Response? {
        try await handle(request, resolved: resolve(request), context: context)
    }

    /// Routes `request` as `resolution` (from ``resolve(_:)`` of the same request) found it: a
    /// caller that labels metrics with the route resolves once and hands the result on.
    public func handle(_ request: Request, resolved resolution: Resolution, context: Context) async throws -> Response? {
        switch resolution.lookup {
        case .route(let route, let params):
            return try await handlers[route.index](request, params, context)
        case .wrongMethod(let allowed):
            var response = Response.jsonError(
                status: 405, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed on \(request.path); use \(allowed.map(\.rawValue).joined(separator: ", "))"
            )
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        case .none:
            return nil
        }
    }

    /// Which route takes a request, found once: its method and pattern (`GET /api/jobs/:id`) and
    /// what it captures are what request metrics and logs are labelled with, never the path itself.
    public struct Resolution: Sendable {
        fileprivate let lookup: RouteTable.Lookup

        /// `"GET /api/jobs/:id"`, or nil when no route takes the request (404 or 405).
        public var pattern: String? {
            guard case .route(let route, _) = lookup else { return nil }
            return route.label
        }

        /// Whether some route's pattern matches the path, whatever the method (a route, or a 405).
        public var matchesPath: Bool {
            if case .none = lookup { return false }
            return true
        }

        /// What the route's `:name` and `*name` segments captured; nil when no route takes it.
        public var parameters: RouteParameters? {
            guard case .route(_, let parameters) = lookup else { return nil }
            return parameters
        }
    }

    /// Finds the route that takes `request` (first match wins), without running it.
    public func resolve(_ request: Request) -> Resolution {
        Resolution(lookup: table.resolve(request))
    }
}

/// Values captured by a route's `:name` and `*name` segments.
public struct RouteParameters: Sendable {
    public let values: [String: String]
    public subscript(name: String) -> String? { values[name] }
}
