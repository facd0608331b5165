import Crypto
import Foundation

/// The `x-amz-checksum-*` algorithms: the header's name, and a running hash of the body.
enum S3ChecksumAlgorithm: String, Sendable, CaseIterable {
    case crc32 = "CRC32", crc32c = "CRC32C", crc64nvme = "CRC64NVME", sha1 = "SHA1", sha256 = "SHA256"

    /// `x-amz-checksum-crc32`, …
    var headerName: String { "x-amz-checksum-" + rawValue.lowercased() }

    /// `ChecksumCRC32`, … in XML.
    var xmlName: String {
        switch self {
        case .crc32: "ChecksumCRC32"
        case .crc32c: "ChecksumCRC32C"
        case .crc64nvme: "ChecksumCRC64NVME"
        case .sha1: "ChecksumSHA1"
        case .sha256: "ChecksumSHA256"
        }
    }

    init?(header: String) {
        let lower = header.lowercased()
        guard let found = Self.allCases.first(where: { $0.headerName == lower }) else { return nil }
        self = found
    }

    init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
        self = found
    }

    func makeHasher() -> S3ChecksumHasher { S3ChecksumHasher(self) }
}

/// A running checksum; `final` is the base64 value S3 puts in headers.
struct S3ChecksumHasher: Sendable {
    let algorithm: S3ChecksumAlgorithm
    private var crc: UInt32 = 0xFFFF_FFFF
    private var crc64: UInt64 = ~0
    private var sha1 = Insecure.SHA1()
    private var sha256 = SHA256()

    init(_ algorithm: S3ChecksumAlgorithm) { self.algorithm = algorithm }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .crc32: crc = Self.crc32(crc, bytes, table: Self.crc32Table)
        case .crc32c: crc = Self.crc32(crc, bytes, table: Self.crc32cTable)
        case .crc64nvme: crc64 = Self.crc64(crc64, bytes)
        case .sha1: sha1.update(bufferPointer: bytes)
        case .sha256: sha256.update(bufferPointer: bytes)
        }
    }

    /// The base64 digest.
    func final() -> String {
        switch algorithm {
        case .crc32, .crc32c:
            let v = ~crc
            return Data([UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]).base64EncodedString()
        case .crc64nvme:
            let v = ~crc64
            return Data((0..<8).reversed().map { UInt8(v >> (UInt64($0) * 8) & 0xff) }).base64EncodedString()
        case .sha1: return Data(sha1.finalize()).base64EncodedString()
        case .sha256: return Data(sha256.finalize()).base64EncodedString()
        }
    }

    static let crc32Table = makeTable(0xEDB8_8320)
    static let crc32cTable = makeTable(0x82F6_3B78)
    static let crc64Table: [UInt64] = (0..<256).map { i in
        var c = UInt64(i)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : c >> 1 }
        return c
    }

    /// Eight tables for slicing-by-8.
    static func makeTable(_ poly: UInt32) -> [UInt32] {
        var t = [UInt32](repeating: 0, count: 256 * 8)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ poly : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xff)] }
        }
        return t
    }

    static func crc32(_ start: UInt32, _ bytes: UnsafeRawBufferPointer, table: [UInt32]) -> UInt32 {
        var c = start
        var i = 0
        let n = bytes.count
        table.withUnsafeBufferPointer { t in
            while n - i >= 8 {
                let lo = c ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                c = t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int(lo >> 8 & 0xff)] ^ t[5 * 256 + Int(lo >> 16 & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])] ^ t[256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xff)] ^ (c >> 8)
                i += 1
            }
        }
        return c
    }

    static func crc64(_ start: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var c = start
        crc64Table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt64(b)) & 0xff)] ^ (c >> 8) }
        }
        return c
    }
}
