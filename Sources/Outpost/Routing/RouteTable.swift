import Foundation

/// A router's patterns in the order they match, indexed by their first segment.
struct RouteTable: Sendable {
    struct Route: Sendable {
        /// Its place in the table (and its handler's in the router).
        let index: Int
        let method: HTTPRequest.Method
        let pattern: String
        let segments: [Segment]
        /// Whether the last segment is a `*rest`.
        let endsWithRest: Bool
        /// `"GET /api/jobs/:id"`, what requests are labelled with.
        let label: String

        init(index: Int, method: HTTPRequest.Method, pattern: String) {
            self.index = index
            self.method = method
            self.pattern = pattern
            segments = pattern.split(separator: "/").map { s -> Segment in
                if s.hasPrefix(":") { return .parameter(String(s.dropFirst())) }
                if s.hasPrefix("*") { return .rest(String(s.dropFirst())) }
                return .literal(String(s))
            }
            endsWithRest = if case .rest? = segments.last { true } else { false }
            label = "\(method.rawValue) \(pattern)"
        }

        /// Whether a path of `count` segments can match: exactly as many as the pattern's, or
        /// with a `*rest` at least one fewer (the rest may be empty). A cheap test before ``match``.
        func accepts(count: Int) -> Bool {
            endsWithRest ? count >= segments.count - 1 : count == segments.count
        }
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    enum Lookup: Sendable {
        case route(Route, RouteParameters)
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
        let route = Route(index: routes.count, method: method, pattern: pattern)
        routes.append(route)
        if case .literal(let first) = route.segments.first {
            // A new literal starts from the routes that were already open to any first segment.
            byFirstSegment[first, default: unkeyed].append(route.index)
        } else {
            unkeyed.append(route.index)
            for key in byFirstSegment.keys { byFirstSegment[key]!.append(route.index) }
        }
    }

    func resolve(_ request: Request) -> Lookup {
        let path = request.path.split(separator: "/").map { segment in
            segment.utf8.contains(UInt8(ascii: "%")) ? (segment.removingPercentEncoding ?? String(segment)) : String(segment)
        }
        var allowed: [HTTPRequest.Method] = []
        for index in path.first.flatMap({ byFirstSegment[$0] }) ?? unkeyed {
            let route = routes[index]
            guard route.accepts(count: path.count), let params = Self.match(route.segments, path) else { continue }
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
