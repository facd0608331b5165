/// A small path router for Workers: `GET /api/jobs/:id` patterns, first match wins.
///
/// A path that matches no pattern is a 404; a path that matches with another method is a 405
/// listing the allowed methods.
public struct WorkerRouter<Context: Sendable>: Sendable {
    public typealias Handler = @Sendable (Request, RouteParameters, Context) async throws -> Response

    struct Route: Sendable {
        let method: HTTPRequest.Method
        let pattern: String
        let segments: [Segment]
        let handler: Handler

        /// Whether a path of `count` segments can match at all: a cheap test before ``match``
        /// (a `*rest` pattern also takes nothing for its last segment).
        func accepts(count: Int) -> Bool {
            if case .rest? = segments.last { return count >= segments.count - 1 }
            return count == segments.count
        }
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    private var routes: [Route] = []
    /// Which routes can take a path, by its first segment: the routes whose pattern starts with
    /// that literal, merged in order with those that start with a parameter or are empty. Routing
    /// looks at these instead of every route (the API has a few hundred).
    private var byFirstSegment: [String: [Int]] = [:]
    /// The routes whose pattern does not start with a literal, for a first segment no literal names.
    private var unkeyed: [Int] = []

    public init() {}

    /// Adds a route. `pattern` segments starting with `:` capture one segment; `*name` captures the rest.
    public mutating func on(_ method: HTTPRequest.Method, _ pattern: String, _ handler: @escaping Handler) {
        let segments = pattern.split(separator: "/").map { s -> Segment in
            if s.hasPrefix(":") { return .parameter(String(s.dropFirst())) }
            if s.hasPrefix("*") { return .rest(String(s.dropFirst())) }
            return .literal(String(s))
        }
        let index = routes.count
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
        if case .literal(let first) = segments.first {
            // A new literal starts from the routes that were already open to any first segment.
            byFirstSegment[first, default: unkeyed].append(index)
        } else {
            unkeyed.append(index)
            for key in byFirstSegment.keys { byFirstSegment[key]!.append(index) }
        }
    }

    /// Every route's method and pattern, in the order they match (for API descriptions and their tests).
    public var patterns: [(method: HTTPRequest.Method, pattern: String)] {
        routes.map { ($0.method, $0.pattern) }
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
            return try await route.handler(request, params, context)
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
        fileprivate let lookup: Lookup

        /// `"GET /api/jobs/:id"`, or nil when no route takes the request (404 or 405).
        public var pattern: String? {
            guard case .route(let route, _) = lookup else { return nil }
            return "\(route.method.rawValue) \(route.pattern)"
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
        let path = request.path.split(separator: "/").map { segment in
            segment.utf8.contains(UInt8(ascii: "%")) ? (segment.removingPercentEncoding ?? String(segment)) : String(segment)
        }
        var allowed: [HTTPRequest.Method] = []
        for index in path.first.flatMap({ byFirstSegment[$0] }) ?? unkeyed {
            guard routes[index].accepts(count: path.count), let params = Self.match(routes[index].segments, path) else { continue }
            let route = routes[index]
            if route.method == request.method || (request.method == .head && route.method == .get) {
                return Resolution(lookup: .route(route, params))
            }
            allowed.append(route.method)
        }
        return Resolution(lookup: allowed.isEmpty ? .none : .wrongMethod(allowed: allowed))
    }

    fileprivate enum Lookup: Sendable {
        case route(Route, RouteParameters)
        case wrongMethod(allowed: [HTTPRequest.Method])
        case none
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
