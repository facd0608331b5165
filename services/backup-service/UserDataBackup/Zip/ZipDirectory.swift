import Foundation

/// The central directory of a ZIP file (ZIP64 included): each entry's name, method, CRC-32,
/// sizes and where its local header is; `dataOffset` finds where its bytes start.
struct ZipDirectory {
    struct Entry {
        let path: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: UInt64
        let size: UInt64
        let localOffset: UInt64
    }

    let entries: [Entry]
    private let handle: FileHandle
    let fileSize: UInt64

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw UserDataError.unreadable("The ZIP cannot be opened.") }
        self.handle = handle
        fileSize = try handle.seekToEnd()
        // The end record: the last 22 bytes, or before them a comment of up to 64 KiB.
        let tailSize = min(fileSize, 22 + 0xFFFF)
        let tail = try Self.read(handle, at: fileSize - tailSize, count: Int(tailSize))
        guard tail.count >= 22, let endIndex = stride(from: tail.count - 22, through: 0, by: -1).first(where: { tail.u32($0) == 0x0605_4b50 }) else {
            throw UserDataError.unreadable("This is not a ZIP file (no end of central directory).")
        }
        var count = UInt64(tail.u16(endIndex + 10))
        var directorySize = UInt64(tail.u32(endIndex + 12))
        var directoryOffset = UInt64(tail.u32(endIndex + 16))
        let endOffset = fileSize - tailSize + UInt64(endIndex)
        if endOffset >= 20 {
            let locator = try Self.read(handle, at: endOffset - 20, count: 20)
            if locator.u32(0) == 0x0706_4b50 {
                let record = try Self.read(handle, at: locator.u64(8), count: 56)
                guard record.count == 56, record.u32(0) == 0x0606_4b50 else { throw UserDataError.unreadable("The ZIP64 end record is damaged.") }
                count = record.u64(32)
                directorySize = record.u64(40)
                directoryOffset = record.u64(48)
            }
        }
        guard directoryOffset + directorySize <= fileSize, directorySize < 1 << 30 else {
            throw UserDataError.unreadable("The ZIP's central directory lies outside the file.")
        }
        let directory = try Self.read(handle, at: directoryOffset, count: Int(directorySize))
        entries = try Self.entries(of: directory, count: count)
    }

    /// The entries of a central directory of `count` records (`directory`, its bytes).
    static func entries(of directory: [UInt8], count: UInt64) throws -> [Entry] {
        var entries: [Entry] = []
        var at = 0
        for _ in 0..<count {
            guard at + 46 <= directory.count, directory.u32(at) == 0x0201_4b50 else { throw UserDataError.unreadable("The ZIP's central directory is damaged.") }
            let nameLength = Int(directory.u16(at + 28)), extraLength = Int(directory.u16(at + 30)), commentLength = Int(directory.u16(at + 32))
            guard at + 46 + nameLength + extraLength + commentLength <= directory.count else { throw UserDataError.unreadable("The ZIP's central directory is truncated.") }
            let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            var size = UInt64(directory.u32(at + 24)), compressed = UInt64(directory.u32(at + 20)), offset = UInt64(directory.u32(at + 42))
            // ZIP64 extra field: the 0xFFFFFFFF values, in the order size, compressed size, offset.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = directory.u16(extra), length = Int(directory.u16(extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { size = directory.u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { compressed = directory.u64(field); field += 8 }
                    if offset == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { offset = directory.u64(field) }
                }
                extra += 4 + length
            }
            entries.append(Entry(path: name, method: directory.u16(at + 10), crc: directory.u32(at + 16),
                                 compressedSize: compressed, size: size, localOffset: offset))
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// Where `entry`'s bytes start: after its local header, name and extra field.
    func dataOffset(of entry: Entry) throws -> UInt64 {
        let header = try Self.read(handle, at: entry.localOffset, count: 30)
        guard header.count == 30, header.u32(0) == 0x0403_4b50 else { throw UserDataError.unreadable("The local header of \(entry.path) is damaged.") }
        let start = entry.localOffset + 30 + UInt64(header.u16(26)) + UInt64(header.u16(28))
        guard start + entry.compressedSize <= fileSize else { throw UserDataError.unreadable("\(entry.path) runs past the end of the ZIP.") }
        return start
    }

    /// Hands the `count` bytes at `offset` to `body`, 1 MiB at a time.
    func read(at offset: UInt64, count: UInt64, _ body: (Data) throws -> Void) throws {
        try handle.seek(toOffset: offset)
        var left = count
        while left > 0 {
            guard let chunk = try handle.read(upToCount: Int(min(left, 1 << 20))), !chunk.isEmpty else {
                throw UserDataError.unreadable("The ZIP ends early.")
            }
            try body(chunk)
            left -= UInt64(chunk.count)
        }
    }

    private static func read(_ handle: FileHandle, at offset: UInt64, count: Int) throws -> [UInt8] {
        try handle.seek(toOffset: offset)
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
}

extension [UInt8] {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[at + $1]) << (8 * UInt32($1)) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[at + $1]) << (8 * UInt64($1)) } }
}
