import Crypto

/// Makes and checks ids for one namespace with its secret key (ANCHORS.md):
/// `idFromName` = HMAC-SHA256(key, name)[0..<16] followed by the MAC of those 16 bytes;
/// `newUniqueId` = 16 random bytes followed by the same MAC. The MAC lets `idFromString`
/// reject ids of other namespaces.
struct DurableObjectIdCodec: Sendable {
    let key: SymmetricKey

    init(keyBytes: [UInt8]) {
        self.key = SymmetricKey(data: keyBytes)
    }

    func idFromName(_ name: String) -> DurableObjectId {
        let head = Array(HMAC<SHA256>.authenticationCode(for: Array(name.utf8), using: key)).prefix(16)
        return DurableObjectId(bytes: Array(head) + mac(Array(head)), name: name)
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
