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
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route. `pattern` segments starting with `:` capture one segment; `*name` captures the rest.
    public mutating func on(_ method: HTTPRequest.Method, _ pattern: String, _ handler: @escaping Handler) {
        let segments = pattern.split(separator: "/").map { s -> Segment in
            if s.hasPrefix(":") { return .parameter(String(s.dropFirst())) }
            if s.hasPrefix("*") { return .rest(String(s.dropFirst())) }
            return .literal(String(s))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    /// Every route's method and pattern, in the order they match (for API descriptions and their tests).
    public var patterns: [(method: HTTPRequest.Method, pattern: String)] {
        routes.map { ($0.method, $0.pattern) }
    }

    /// Routes `request`; nil when no pattern matches the path at all.
    public func handle(_ request: Request, context: Context) async throws -> Response? {
        switch lookup(request) {
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

    /// The method and pattern of the route that takes `request` (`GET /api/jobs/:id`) and what
    /// it captures, or nil: what request metrics and logs are labelled with, never the path itself.
    public func match(_ request: Request) -> (pattern: String, parameters: RouteParameters)? {
        guard case .route(let route, let parameters) = lookup(request) else { return nil }
        return ("\(route.method.rawValue) \(route.pattern)", parameters)
    }

    private enum Lookup {
        case route(Route, RouteParameters)
        case wrongMethod(allowed: [HTTPRequest.Method])
        case none
    }

    private func lookup(_ request: Request) -> Lookup {
        let path = request.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        var allowed: [HTTPRequest.Method] = []
        for route in routes {
            guard let params = Self.match(route.segments, path) else { continue }
            if route.method == request.method || (request.method == .head && route.method == .get) {
                return .route(route, params)
            }
            allowed.append(route.method)
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
