import Foundation

/// Reads a ZIP archive front to back from a stream, never seeking: each entry's local header, then
/// its bytes handed on in blocks as they pass, then (after the last entry) the central directory.
/// What `ExportVerifier` checks an export with, with no copy of the ZIP anywhere.
///
/// An entry with its sizes in the local header is read by them. One written like ours (general-
/// purpose bit 3: sizes in a data descriptor after the bytes, stored) ends where a data descriptor
/// agrees with the bytes read so far — the CRC-32 and the size — and a local header or the central
/// directory follows it; a ZIP64 descriptor (8-byte sizes) is taken as well.
final class ZipStreamReader {
    /// An entry as it passed: where its header and bytes started, its size and the CRC-32 of its bytes.
    struct Entry {
        let path: String
        let method: UInt16
        let localOffset: UInt64
        let dataOffset: UInt64
        let size: UInt64
        let crc: UInt32
    }

    private let source: (Int) throws -> [UInt8]
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// The path of the entry whose bytes are passing.
    private(set) var currentPath = ""
    /// The ZIP offset of `buffer[start]`.
    private(set) var offset: UInt64 = 0

    private static let localHeader: UInt32 = 0x0403_4b50
    private static let centralHeader: UInt32 = 0x0201_4b50
    private static let descriptor: [UInt8] = [0x50, 0x4b, 0x07, 0x08]

    init(source: @escaping (Int) throws -> [UInt8]) {
        self.source = source
    }

    /// The next entry, its bytes handed to `body` as they pass; nil once the central directory
    /// (or the end) comes.
    func nextEntry(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Entry? {
        guard try available(4) >= 4, u32(0) == Self.localHeader else { return nil }
        guard try available(30) >= 30 else { throw UserDataError.unreadable("The ZIP ends inside a local header.") }
        let flags = u16(6), method = u16(8)
        var size = UInt64(u32(22)), compressed = UInt64(u32(18))
        let nameLength = Int(u16(26)), extraLength = Int(u16(28))
        guard try available(30 + nameLength + extraLength) >= 30 + nameLength + extraLength else {
            throw UserDataError.unreadable("The ZIP ends inside a local header.")
        }
        let path = String(decoding: buffer[(start + 30)..<(start + 30 + nameLength)], as: UTF8.self)
        var extra = start + 30 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = buffer.u16(extra), length = Int(buffer.u16(extra + 2))
            if id == 0x0001, length >= 16, extra + 4 + 16 <= extraEnd {
                if size == 0xFFFF_FFFF { size = buffer.u64(extra + 4) }
                if compressed == 0xFFFF_FFFF { compressed = buffer.u64(extra + 12) }
            }
            extra += 4 + length
        }
        let localOffset = offset
        currentPath = path
        consume(30 + nameLength + extraLength)
        let dataOffset = offset
        guard method == 0 else {
            throw UserDataError.rejected("\(path) is compressed (method \(method)); exports store their files.", code: "manifest_mismatch")
        }
        var crc = CRC32()
        var passed: UInt64 = 0
        func pass(_ count: Int) throws {
            guard count > 0 else { return }
            try buffer[start..<(start + count)].withUnsafeBytes { bytes in
                crc.update(bytes)
                try body(bytes)
            }
            passed += UInt64(count)
            consume(count)
        }
        if flags & 0x0008 == 0 {
            var left = compressed
            while left > 0 {
                let have = try available(1)
                guard have > 0 else { throw UserDataError.unreadable("The ZIP ends inside \(path).") }
                let take = Int(min(UInt64(have), left))
                try pass(take)
                left -= UInt64(take)
            }
            return Entry(path: path, method: method, localOffset: localOffset, dataOffset: dataOffset, size: compressed, crc: crc.value)
        }
        // Bit 3: the bytes run until a data descriptor that agrees with them.
        while true {
            let have = try available(1)
            guard have > 0 else { throw UserDataError.unreadable("The ZIP ends inside \(path) (no data descriptor).") }
            guard let at = buffer[start..<(start + have)].firstRange(of: Self.descriptor)?.lowerBound else {
                // No signature here: all but the last 3 bytes (a signature's start) are the entry's.
                try pass(max(have - 3, have < 4 && atEnd ? have : 0))
                if have < 4 { _ = try available(have + 1) }
                continue
            }
            try pass(at - start)
            let got = try available(28)
            let value = crc.value
            if got >= 20, u32(4) == value, UInt64(u32(8)) == passed, UInt64(u32(12)) == passed, isRecord(at: 16, got: got) {
                consume(16)
                return Entry(path: path, method: method, localOffset: localOffset, dataOffset: dataOffset, size: passed, crc: value)
            }
            if got >= 28, u32(4) == value, buffer.u64(start + 8) == passed, buffer.u64(start + 16) == passed, isRecord(at: 24, got: got) {
                consume(24)
                return Entry(path: path, method: method, localOffset: localOffset, dataOffset: dataOffset, size: passed, crc: value)
            }
            try pass(1)  // the entry's own bytes happen to spell a signature
        }
    }

    /// The central directory and end records after the last entry, read whole (bounded), as
    /// `ZipDirectory` entries; checks that it is where the end record says.
    func centralDirectory(maxBytes: Int = 256 << 20) throws -> [ZipDirectory.Entry] {
        let directoryOffset = offset
        var rest: [UInt8] = []
        while true {
            let have = try available(1)
            if have == 0 { break }
            rest += buffer[start..<(start + have)]
            consume(have)
            guard rest.count <= maxBytes else { throw UserDataError.unreadable("The ZIP's central directory is over \(maxBytes >> 20) MiB.") }
        }
        guard rest.count >= 22, let end = stride(from: rest.count - 22, through: 0, by: -1).first(where: { rest.u32($0) == 0x0605_4b50 }) else {
            throw UserDataError.unreadable("The ZIP has no end of central directory record.")
        }
        var count = UInt64(rest.u16(end + 10)), recordedOffset = UInt64(rest.u32(end + 16))
        if count == 0xFFFF || recordedOffset == 0xFFFF_FFFF, end >= 20, rest.u32(end - 20) == 0x0706_4b50 {
            let record = Int(rest.u64(end - 20 + 8) - directoryOffset)
            guard record >= 0, record + 56 <= rest.count, rest.u32(record) == 0x0606_4b50 else {
                throw UserDataError.unreadable("The ZIP's ZIP64 end record is damaged.")
            }
            count = rest.u64(record + 32)
            recordedOffset = rest.u64(record + 48)
        }
        guard recordedOffset == directoryOffset else {
            throw UserDataError.rejected("The ZIP's central directory is at \(directoryOffset), not at the \(recordedOffset) its end record says.", code: "manifest_mismatch")
        }
        return try ZipDirectory.entries(of: rest, count: count)
    }

    // MARK: buffer

    private func isRecord(at distance: Int, got: Int) -> Bool {
        if got < distance + 4 { return atEnd && got == distance }
        let signature = u32(distance)
        return signature == Self.localHeader || signature == Self.centralHeader
    }

    /// How many bytes are buffered from `start`, reading until `count` are (or the end).
    private func available(_ count: Int) throws -> Int {
        while buffer.count - start < count, !atEnd {
            if start > 0 {
                buffer.removeSubrange(..<start)
                start = 0
            }
            let chunk = try source(max(1 << 20, count))
            if chunk.isEmpty { atEnd = true } else { buffer += chunk }
        }
        return buffer.count - start
    }

    private func consume(_ count: Int) {
        start += count
        offset += UInt64(count)
    }

    private func u16(_ at: Int) -> UInt16 { buffer.u16(start + at) }
    private func u32(_ at: Int) -> UInt32 { buffer.u32(start + at) }
}
