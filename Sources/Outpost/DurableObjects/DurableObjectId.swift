/// The id of one Durable Object: 32 bytes shown as 64 lowercase hex digits.
///
/// Ids made with `idFromName` remember the name (`name`); ids parsed from a string or made
/// with `newUniqueId` have none. Two ids are equal when their bytes are.
public struct DurableObjectId: Sendable, Hashable, CustomStringConvertible {
    /// The 64 hex digits.
    public let hex: String
    /// The name given to `idFromName`, when this id came from there.
    public let name: String?

    init(bytes: [UInt8], name: String?) {
        self.hex = DurableObjectId.hexString(bytes)
        self.name = name
    }

    /// The id as 64 hex digits (as `id.toString()` in Workers).
    public func toString() -> String { hex }
    public var description: String { hex }

    public func equals(_ other: DurableObjectId) -> Bool { hex == other.hex }
    public static func == (a: DurableObjectId, b: DurableObjectId) -> Bool { a.hex == b.hex }
    public func hash(into hasher: inout Hasher) { hasher.combine(hex) }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of exactly 64 hex digits, or nil.
    static func parseHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
