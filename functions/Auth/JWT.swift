import Crypto
import Foundation
import Outpost

/// HS256 JSON Web Tokens: verification of `header.payload.signature` with a shared secret.
enum JWT {
    struct Claims: Sendable {
        let sub: String
        let role: String
        let exp: Double
    }

    enum Failure: Error, Equatable {
        case malformed, unsupportedAlgorithm, badSignature, expired, missingClaims
    }

    /// Verifies `token` with `secret` at `now` (seconds since the epoch) and returns its claims.
    static func verify(_ token: String, secret: String, now: Double) throws(Failure) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = base64URLDecode(parts[0]),
              let payloadData = base64URLDecode(parts[1]),
              let signature = base64URLDecode(parts[2]),
              let header = try? JSONValue.parse([UInt8](headerData)),
              let payload = try? JSONValue.parse([UInt8](payloadData))
        else { throw .malformed }
        guard header["alg"]?.stringValue == "HS256" else { throw .unsupportedAlgorithm }
        let key = SymmetricKey(data: Data(secret.utf8))
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) else { throw .badSignature }
        guard let sub = payload["sub"]?.stringValue, let role = payload["role"]?.stringValue, let exp = payload["exp"]?.doubleValue else {
            throw .missingClaims
        }
        guard exp > now else { throw .expired }
        return Claims(sub: sub, role: role, exp: exp)
    }

    /// Signs claims into a token (used by tests and the CLI).
    static func sign(sub: String, role: String, exp: Double, secret: String) -> String {
        let header = base64URLEncode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = base64URLEncode(Data(JSONValue.object(["sub": .string(sub), "role": .string(role), "exp": .number(exp)]).serialized().utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data((header + "." + payload).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return header + "." + payload + "." + base64URLEncode(Data(mac))
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ s: Substring) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
