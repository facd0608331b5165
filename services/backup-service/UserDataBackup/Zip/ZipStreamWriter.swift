import Foundation

/// Writes a ZIP archive front to back, never seeking: each entry is a local header, the bytes as
/// they come (stored, method 0), then a data descriptor with the CRC-32 and sizes (general-purpose
/// bit 3), so no entry's bytes are ever held whole. The central directory follows the last entry.
/// ZIP64 fields are used where a size, an offset or the entry count passes the classic limits.
///
/// The archive goes to `sink` (a file, or a live job output), written in blocks of up to 1 MiB.
final class ZipStreamWriter {
    /// What one entry became: its path, size and the offset of its local header.
    struct Entry {
        let path: String
        let size: UInt64
        let crc: UInt32
        let offset: UInt64
        let zip64: Bool
    }

    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var buffer: [UInt8] = []
    private(set) var offset: UInt64 = 0
    private(set) var entries: [Entry] = []
    private var open: (path: String, offset: UInt64, zip64: Bool, crc: CRC32, size: UInt64)?
    private let dosTime: UInt16
    private let dosDate: UInt16

    private static let limit32 = UInt64(UInt32.max)
    private static let blockSize = 1 << 20

    /// Writes the archive to `handle`.
    convenience init(sink handle: FileHandle, modified: Date = Date()) {
        self.init(modified: modified) { bytes in
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count, deallocator: .none))
        }
    }

    /// Hands the archive's bytes to `sink` in order.
    init(modified: Date = Date(), sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: modified)
        dosTime = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        dosDate = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
    }

    /// Starts an entry at `path`. `expectedSize` (when known) decides whether it needs ZIP64 sizes.
    func begin(_ path: String, expectedSize: UInt64 = 0) throws {
        precondition(open == nil, "an entry is already open")
        let name = Array(path.utf8)
        let zip64 = expectedSize >= Self.limit32
        var header: [UInt8] = []
        header.le32(0x0403_4b50)
        header.le16(zip64 ? 45 : 20)          // version needed
        header.le16(0x0008 | 0x0800)          // bit 3: sizes in a data descriptor; bit 11: UTF-8 name
        header.le16(0)                        // stored
        header.le16(dosTime)
        header.le16(dosDate)
        header.le32(0)                        // CRC-32, in the descriptor
        header.le32(zip64 ? UInt32.max : 0)   // sizes, in the descriptor
        header.le32(zip64 ? UInt32.max : 0)
        header.le16(UInt16(name.count))
        header.le16(zip64 ? 20 : 0)
        header += name
        if zip64 {
            header.le16(0x0001)
            header.le16(16)
            header.le64(0)
            header.le64(0)
        }
        open = (path, offset, zip64, CRC32(), 0)
        try emit(header)
    }

    /// Appends bytes to the open entry.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard open != nil else { preconditionFailure("no entry is open") }
        open!.crc.update(bytes)
        open!.size += UInt64(bytes.count)
        try emit(bytes)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the open entry with its data descriptor.
    @discardableResult
    func end() throws -> Entry {
        guard let entry = open else { preconditionFailure("no entry is open") }
        open = nil
        let zip64 = entry.zip64 || entry.size >= Self.limit32
        var descriptor: [UInt8] = []
        descriptor.le32(0x0807_4b50)
        descriptor.le32(entry.crc.value)
        if entry.zip64 {
            descriptor.le64(entry.size)
            descriptor.le64(entry.size)
        } else {
            guard !zip64 else { throw ZipError("\(entry.path) passed 4 GiB without a ZIP64 header: its size was not announced.") }
            descriptor.le32(UInt32(entry.size))
            descriptor.le32(UInt32(entry.size))
        }
        try emit(descriptor)
        let done = Entry(path: entry.path, size: entry.size, crc: entry.crc.value, offset: entry.offset, zip64: entry.zip64)
        entries.append(done)
        return done
    }

    /// Writes the central directory and its end records, and flushes.
    func finish() throws {
        precondition(open == nil, "an entry is still open")
        let directoryStart = offset
        for entry in entries {
            let name = Array(entry.path.utf8)
            var extra: [UInt8] = []
            let bigSize = entry.size >= Self.limit32, bigOffset = entry.offset >= Self.limit32
            if bigSize || bigOffset {
                var fields: [UInt8] = []
                if bigSize { fields.le64(entry.size); fields.le64(entry.size) }
                if bigOffset { fields.le64(entry.offset) }
                extra.le16(0x0001)
                extra.le16(UInt16(fields.count))
                extra += fields
            }
            var header: [UInt8] = []
            header.le32(0x0201_4b50)
            header.le16(0x0300 | 45)              // made by: Unix, 4.5
            header.le16(entry.zip64 || bigSize || bigOffset ? 45 : 20)
            header.le16(0x0008 | 0x0800)
            header.le16(0)
            header.le16(dosTime)
            header.le16(dosDate)
            header.le32(entry.crc)
            header.le32(bigSize ? UInt32.max : UInt32(entry.size))
            header.le32(bigSize ? UInt32.max : UInt32(entry.size))
            header.le16(UInt16(name.count))
            header.le16(UInt16(extra.count))
            header.le16(0)                        // comment
            header.le16(0)                        // disk
            header.le16(0)                        // internal attributes
            header.le32(UInt32(0o100644) << 16)   // a regular file, rw-r--r--
            header.le32(bigOffset ? UInt32.max : UInt32(entry.offset))
            header += name
            header += extra
            try emit(header)
        }
        let directorySize = offset - directoryStart
        let count = UInt64(entries.count)
        if count >= 0xFFFF || directorySize >= Self.limit32 || directoryStart >= Self.limit32 {
            let record = offset
            var end64: [UInt8] = []
            end64.le32(0x0606_4b50)
            end64.le64(44)
            end64.le16(0x0300 | 45)
            end64.le16(45)
            end64.le32(0)
            end64.le32(0)
            end64.le64(count)
            end64.le64(count)
            end64.le64(directorySize)
            end64.le64(directoryStart)
            end64.le32(0x0706_4b50)                // the locator
            end64.le32(0)
            end64.le64(record)
            end64.le32(1)
            try emit(end64)
        }
        var end: [UInt8] = []
        end.le32(0x0605_4b50)
        end.le16(0)
        end.le16(0)
        end.le16(UInt16(min(count, 0xFFFF)))
        end.le16(UInt16(min(count, 0xFFFF)))
        end.le32(UInt32(min(directorySize, Self.limit32)))
        end.le32(UInt32(min(directoryStart, Self.limit32)))
        end.le16(0)
        try emit(end)
        try flush()
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        offset += UInt64(bytes.count)
        if buffer.count + bytes.count > Self.blockSize { try flush() }
        if bytes.count >= Self.blockSize {
            try sink(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A ZIP that cannot be written or read as expected.
struct ZipError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension [UInt8] {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
    mutating func le64(_ v: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { append(UInt8((v >> UInt64(shift)) & 0xFF)) } }
}
