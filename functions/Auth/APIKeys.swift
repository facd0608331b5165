import Crypto
import Foundation
import Outpost
import Synchronization

/// API keys: from the `API_KEYS` secret, or created with `outpost keys create` and stored hashed
/// (SHA-256) in the `AUTH_KV` namespace (see `APIKeyRecord`).
enum APIKeys {
    /// SHA-256 of a key, hex.
    static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The callers `API_KEYS` names: parsed once per text of the secret, not on every request
    /// (parsing hashes every bare key).
    static func callers(secret: String) -> [String: Caller] {
        if let last = lastParsed.withLock({ $0 }), last.secret == secret { return last.callers }
        let callers = parseSecret(secret)
        lastParsed.withLock { $0 = (secret, callers) }
        return callers
    }

    private static let lastParsed = Mutex<(secret: String, callers: [String: Caller])?>(nil)

    /// Parses `API_KEYS`: comma-separated entries `KEY`, `KEY:ROLE` or `NAME:ROLE:KEY`.
    /// A bare key gets role `user`; its caller id is `key-` and the first 12 hex digits of its hash.
    static func parseSecret(_ value: String) -> [String: Caller] {
        var out: [String: Caller] = [:]
        for entry in value.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1 where !parts[0].isEmpty:
                out[parts[0]] = Caller(id: "key-" + hash(parts[0]).prefix(12), role: .user)
            case 2:
                if let role = Caller.Role(rawValue: parts[1]) { out[parts[0]] = Caller(id: "key-" + hash(parts[0]).prefix(12), role: role) }
            case 3:
                if let role = Caller.Role(rawValue: parts[1]), !parts[2].isEmpty { out[parts[2]] = Caller(id: parts[0], role: role) }
            default:
                continue
            }
        }
        return out
    }

    /// The stored record of a key created with `outpost keys create`.
    static func lookup(_ key: String, in kv: KVNamespace) async throws -> Caller? {
        guard let record = try await APIKeyRecord.lookup(key, in: kv), let role = Caller.Role(rawValue: record.role) else { return nil }
        return Caller(id: record.name, role: role)
    }
}
