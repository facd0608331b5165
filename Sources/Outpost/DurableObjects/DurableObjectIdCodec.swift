import Crypto
import NIOConcurrencyHelpers

/// Makes and checks ids for one namespace with its secret key (ANCHORS.md):
/// `idFromName` = HMAC-SHA256(key, name)[0..<16] followed by the MAC of those 16 bytes;
/// `newUniqueId` = 16 random bytes followed by the same MAC. The MAC lets `idFromString`
/// reject ids of other namespaces. Ids of names are remembered (two HMACs per lookup otherwise;
/// code that calls `getByName` per request asks for the same few names again and again).
struct DurableObjectIdCodec: Sendable {
    let key: SymmetricKey
    private let named = NIOLockedValueBox<[String: DurableObjectId]>([:])
    /// Names remembered at most; past it the memory starts over.
    static let rememberedNames = 4096

    init(keyBytes: [UInt8]) {
        self.key = SymmetricKey(data: keyBytes)
    }

    func idFromName(_ name: String) -> DurableObjectId {
        if let known = named.withLockedValue({ $0[name] }) { return known }
        let head = Array(HMAC<SHA256>.authenticationCode(for: Array(name.utf8), using: key)).prefix(16)
        let id = DurableObjectId(bytes: Array(head) + mac(Array(head)), name: name)
        named.withLockedValue { names in
            if names.count >= Self.rememberedNames { names.removeAll(keepingCapacity: true) }
            names[name] = id
        }
        return id
    }

    func newUniqueId() -> DurableObjectId {
        var rng = SystemRandomNumberGenerator()
        let head = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return DurableObjectId(bytes: head + mac(head), name: nil)
    }

    func idFromString(_ text: String) throws -> DurableObjectId {
        guard let bytes = DurableObjectId.parseHex(text) else { throw DurableObjectError.idShape(text) }
        guard Array(bytes[16...]) == mac(Array(bytes[..<16])) else { throw DurableObjectError.idNotForNamespace }
        return DurableObjectId(bytes: bytes, name: nil)
    }

    private func mac(_ head: [UInt8]) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: head, using: key)).prefix(16))
    }
}
