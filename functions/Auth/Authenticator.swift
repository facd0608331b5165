import Foundation
import Outpost

/// Decides who a request comes from: `X-API-Key` or `Authorization: Bearer <HS256 JWT>`.
struct Authenticator: Sendable {
    let env: Env
    let now: Double

    /// The caller, or an `AuthError` (401) saying what is wrong.
    func authenticate(_ request: Request) async throws -> Caller {
        if let key = request.header("X-API-Key") {
            if let caller = APIKeys.callers(secret: env["API_KEYS"] ?? "")[key] { return caller }
            if let kv = try? env.kv("AUTH_KV"), let caller = try await APIKeys.lookup(key, in: kv) { return caller }
            throw AuthError.unauthorized("The API key is not valid.")
        }
        if let authorization = request.header("Authorization") {
            guard authorization.lowercased().hasPrefix("bearer ") else {
                throw AuthError.unauthorized("Authorization must be \"Bearer <token>\".")
            }
            guard let secret = env["JWT_SECRET"], !secret.isEmpty else {
                throw AuthError.unauthorized("Bearer tokens are not accepted: no JWT_SECRET is configured.")
            }
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            let claims: JWT.Claims
            do {
                claims = try JWT.verify(token, secret: secret, now: now)
            } catch {
                throw AuthError.unauthorized(Self.describe(error))
            }
            guard let role = Caller.Role(rawValue: claims.role) else {
                throw AuthError.unauthorized("The token's role \"\(claims.role)\" is not one of admin, user, viewer.")
            }
            return Caller(id: claims.sub, role: role)
        }
        throw AuthError.unauthorized("Authentication required: send X-API-Key or Authorization: Bearer <token>.")
    }

    static func describe(_ failure: JWT.Failure) -> String {
        switch failure {
        case .malformed: "The bearer token is not a well-formed JWT."
        case .unsupportedAlgorithm: "The bearer token must be signed with HS256."
        case .badSignature: "The bearer token's signature does not match."
        case .expired: "The bearer token has expired."
        case .missingClaims: "The bearer token must carry sub, role and exp claims."
        }
    }
}

/// 401 and 403 answers.
struct AuthError: HTTPError {
    let status: Int
    let code: String
    let message: String

    static func unauthorized(_ message: String) -> AuthError { AuthError(status: 401, code: "unauthorized", message: message) }
    static func forbidden(_ message: String) -> AuthError { AuthError(status: 403, code: "forbidden", message: message) }
}
