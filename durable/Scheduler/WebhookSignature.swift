import Crypto
import Foundation

/// `X-Outpost-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with WEBHOOK_SECRET>`.
///
/// A receiver recomputes the HMAC over the raw body it got and compares in constant time.
public enum WebhookSignature {
    public static let header = "X-Outpost-Signature"

    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public static func verify(_ body: [UInt8], secret: String, signature: String) -> Bool {
        let expected = Array(sign(body, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
