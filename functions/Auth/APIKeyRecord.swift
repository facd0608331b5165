import Crypto
import Foundation
public import Outpost

/// An API key as stored: only its SHA-256 is kept (`apikey:<hex>` in a KV namespace), with the
/// name and role of whoever holds it. Written by `outpost keys create`, read by Workers.
public struct APIKeyRecord: Sendable, Codable, Equatable {
    public let name: String
    public let role: String
    public let createdAt: Int

    public init(name: String, role: String, createdAt: Int) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }

    /// The KV key under which the record of `apiKey` lives.
    public static func storageKey(for apiKey: String) -> String {
        "apikey:" + SHA256.hash(data: Data(apiKey.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random key: `opk_` and 32 random bytes in hex.
    public static func generateKey() -> String {
        var rng = SystemRandomNumberGenerator()
        return "opk_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    /// Looks up the record of `apiKey` in `kv`.
    public static func lookup(_ apiKey: String, in kv: KVNamespace) async throws -> APIKeyRecord? {
        try await kv.get(storageKey(for: apiKey), as: APIKeyRecord.self)
    }
}
