import CBackupZlib

/// The CRC-32 a ZIP entry records, computed as its bytes pass (zlib's `crc32`).
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var crc = uLong(value)
        var pointer = base.assumingMemoryBound(to: Bytef.self)
        var left = bytes.count
        while left > 0 {
            let step = min(left, Int(UInt32.max >> 1))
            crc = crc32(crc, pointer, uInt(step))
            pointer += step
            left -= step
        }
        value = UInt32(truncatingIfNeeded: crc)
    }
}
