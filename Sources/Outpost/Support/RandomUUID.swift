public import Foundation

extension UUID {
    /// A random (version 4) UUID drawn from `SystemRandomNumberGenerator` (`getrandom`). Foundation's
    /// `UUID()` opens, reads and closes `/dev/urandom` on every call here, which showed in the
    /// runtime's profile of the job path (one id per job, one per queue message).
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40 // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80 // RFC 4122 variant
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// The UUID as 32 lowercase hex digits, without dashes.
    public var lowercaseHex: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 32) { out in
                for (i, byte) in raw.enumerated() {
                    out[2 * i] = Self.hexDigit(byte >> 4)
                    out[2 * i + 1] = Self.hexDigit(byte & 0x0F)
                }
                return 32
            }
        }
    }

    /// The ASCII lowercase hex digit for `nibble` (0…15).
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
