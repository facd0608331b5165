import Foundation
import Outpost

/// CORS for the origins in the `CORS_ORIGINS` var (comma-separated, `*` for any).
struct CORS: Sendable {
    let allowed: [String]

    init(_ value: String?) {
        allowed = (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func allows(_ origin: String) -> Bool { allowed.contains("*") || allowed.contains(origin) }

    /// The answer to a preflight `OPTIONS` request.
    func preflight(_ request: Request) -> Response {
        guard let origin = request.header("Origin"), allows(origin) else {
            return .jsonError(status: 403, code: "cors_forbidden", message: "Origin not allowed; add it to CORS_ORIGINS.")
        }
        var response = Response(status: .noContent)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers[.accessControlAllowHeaders] = request.header("Access-Control-Request-Headers") ?? "Content-Type, Authorization, X-API-Key"
        response.headers[.accessControlMaxAge] = "86400"
        response.headers[.vary] = "Origin"
        return response
    }

    /// Adds CORS headers to `response` when the request's origin is allowed.
    func decorate(_ response: Response, for request: Request) -> Response {
        guard let origin = request.header("Origin"), allows(origin) else { return response }
        var r = response
        r.headers[.accessControlAllowOrigin] = origin
        r.headers[.accessControlExposeHeaders] = "Retry-After"
        r.headers[.vary] = "Origin"
        return r
    }
}
