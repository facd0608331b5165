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
        case .route(let index, _, let params):
            return try await handlers[index](request, params, context)
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
            guard case .route(_, let route, _) = lookup else { return nil }
            return route.label
        }

        /// Whether some route's pattern matches the path, whatever the method (a route, or a 405).
        public var matchesPath: Bool {
            if case .none = lookup { return false }
            return true
        }

        /// What the route's `:name` and `*name` segments captured; nil when no route takes it.
        public var parameters: RouteParameters? {
            guard case .route(_, _, let parameters) = lookup else { return nil }
            return parameters
        }
    }

    /// Finds the route that takes `request` (first match wins), without running it.
    public func resolve(_ request: Request) -> Resolution {
        Resolution(lookup: table.resolve(request))
    }
}

/// A router's patterns in the order they match, indexed by their first segment.
struct RouteTable: Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let pattern: String
        let segments: [Segment]
        /// How many path segments the pattern takes: exactly `segmentCount`, or with a `*rest`
        /// at least one fewer (the rest may be empty). A cheap test before ``match``.
        let segmentCount: Int
        let endsWithRest: Bool
        /// `"GET /api/jobs/:id"`, what requests are labelled with.
        let label: String

        func accepts(count: Int) -> Bool {
            endsWithRest ? count >= segmentCount - 1 : count == segmentCount
        }
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    enum Lookup: Sendable {
        case route(Int, Route, RouteParameters)
        case wrongMethod(allowed: [HTTPRequest.Method])
        case none
    }

    private(set) var routes: [Route] = []
    /// Which routes can take a path, by its first segment: the routes whose pattern starts with
    /// that literal, merged in order with those that start with a parameter or are empty. Routing
    /// looks at these instead of every route (the API has a few hundred).
    private var byFirstSegment: [String: [Int]] = [:]
    /// The routes whose pattern does not start with a literal, for a first segment no literal names.
    private var unkeyed: [Int] = []

    mutating func add(_ method: HTTPRequest.Method, _ pattern: String) {
        let segments = pattern.split(separator: "/").map { s -> Segment in
            if s.hasPrefix(":") { return .parameter(String(s.dropFirst())) }
            if s.hasPrefix("*") { return .rest(String(s.dropFirst())) }
            return .literal(String(s))
        }
        let endsWithRest = if case .rest? = segments.last { true } else { false }
        let index = routes.count
        routes.append(Route(method: method, pattern: pattern, segments: segments, segmentCount: segments.count, endsWithRest: endsWithRest,
                            label: "\(method.rawValue) \(pattern)"))
        if case .literal(let first) = segments.first {
            // A new literal starts from the routes that were already open to any first segment.
            byFirstSegment[first, default: unkeyed].append(index)
        } else {
            unkeyed.append(index)
            for key in byFirstSegment.keys { byFirstSegment[key]!.append(index) }
        }
    }

    func resolve(_ request: Request) -> Lookup {
        let path = request.path.split(separator: "/").map { segment in
            segment.utf8.contains(UInt8(ascii: "%")) ? (segment.removingPercentEncoding ?? String(segment)) : String(segment)
        }
        var allowed: [HTTPRequest.Method] = []
        for index in path.first.flatMap({ byFirstSegment[$0] }) ?? unkeyed {
            guard routes[index].accepts(count: path.count), let params = Self.match(routes[index].segments, path) else { continue }
            let method = routes[index].method
            if method == request.method || (request.method == .head && method == .get) {
                return .route(index, routes[index], params)
            }
            allowed.append(method)
        }
        return allowed.isEmpty ? .none : .wrongMethod(allowed: allowed)
    }

    static func match(_ segments: [Segment], _ path: [String]) -> RouteParameters? {
        var params: [String: String] = [:]
        var i = 0
        for segment in segments {
            switch segment {
            case .literal(let l):
                guard i < path.count, path[i] == l else { return nil }
            case .parameter(let name):
                guard i < path.count, !path[i].isEmpty else { return nil }
                params[name] = path[i]
            case .rest(let name):
                params[name] = path[i...].joined(separator: "/")
                return RouteParameters(values: params)
            }
            i += 1
        }
        return i == path.count ? RouteParameters(values: params) : nil
    }
}

/// Values captured by a route's `:name` and `*name` segments.
public struct RouteParameters: Sendable {
    public let values: [String: String]
    public subscript(name: String) -> String? { values[name] }
}

import Foundation
