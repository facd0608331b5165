import Foundation
import OutpostTesting
import Testing
@testable import UserDataBackup

/// The streamed ZIP reader (what the restore checks an export with, front to back) against Python's
/// `zipfile`: ZIPs written by our writer (data descriptors) and by `zipfile` (sizes in the local
/// headers) give the same entries, offsets, sizes and CRC-32s, read in small and large blocks.
@Suite("ZIP stream reader")
struct ZipStreamReaderTests {
    @Test("our data-descriptor ZIP (with an entry that spells a descriptor signature) and a zipfile-written one: every entry as zipfile lists it")
    func readsLikeZipfile() throws {
        let directory = NSTemporaryDirectory() + "zipreader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Ours: an empty entry, one whose bytes hold "PK\u{7}\u{8}" and a wrong descriptor, one of 3 MiB.
        let ours = directory + "/ours.zip"
        FileManager.default.createFile(atPath: ours, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: ours))
        let writer = ZipStreamWriter(sink: handle)
        let tricky: [UInt8] = Array("before ".utf8) + [0x50, 0x4b, 0x07, 0x08, 1, 2, 3, 4, 9, 0, 0, 0, 9, 0, 0, 0] + Array(" after".utf8)
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        for (path, bytes) in [("empty.txt", [UInt8]()), ("tricky.bin", tricky), ("big.bin", big), ("manifest.json", Array("{}".utf8))] {
            try writer.begin(path, expectedSize: UInt64(bytes.count))
            try writer.write(bytes)
            try writer.end()
        }
        try writer.finish()
        try handle.close()
        // zipfile's: stored, sizes in the local headers.
        let theirs = directory + "/theirs.zip"
        _ = try ChildProcess.output(of: "/usr/bin/python3", ["-c", """
        import sys, zipfile
        with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:
            z.writestr('a.txt', b'alpha' * 1000)
            z.writestr('dir/b.bin', bytes(range(256)) * 5000)
            z.writestr('c.txt', b'')
        """, theirs])

        for path in [ours, theirs] {
            let listed = try ZipfileEntry.python(path)
            for block in [7, 1 << 20] {
                let file = try #require(FileHandle(forReadingAtPath: path))
                defer { try? file.close() }
                let reader = ZipStreamReader { _ in [UInt8](try file.read(upToCount: block) ?? Data()) }
                var entries: [ZipStreamReader.Entry] = []
                var bytes: [String: Int] = [:]
                while let entry = try reader.nextEntry({ bytes[reader.currentPath, default: 0] += $0.count }) { entries.append(entry) }
                let central = try reader.centralDirectory()
                #expect(entries.map(\.path) == listed.map(\.name), "\(path) in blocks of \(block)")
                for (entry, python) in zip(entries, listed) {
                    #expect(entry.size == UInt64(python.size) && entry.crc == python.crc && entry.localOffset == python.offset,
                            "\(entry.path): \(entry) vs zipfile's \(python)")
                    #expect(bytes[entry.path, default: 0] == python.size)
                }
                #expect(central.map(\.path) == listed.map(\.name))
                #expect(zip(central, entries).allSatisfy { $0.crc == $1.crc && $0.size == $1.size && $0.localOffset == $1.localOffset })
            }
        }
    }
}

/// An entry as Python's `zipfile` lists it.
private struct ZipfileEntry {
    let name: String
    let size: Int
    let crc: UInt32
    let offset: UInt64

    static func python(_ path: String) throws -> [ZipfileEntry] {
        let out = try ChildProcess.output(of: "/usr/bin/python3", ["-c", """
        import sys, zipfile
        for i in zipfile.ZipFile(sys.argv[1]).infolist():
            print(i.filename, i.file_size, i.CRC, i.header_offset)
        """, path])
        return out.split(separator: "\n").map { line in
            let f = line.split(separator: " ")
            return ZipfileEntry(name: String(f[0]), size: Int(f[1])!, crc: UInt32(f[2])!, offset: UInt64(f[3])!)
        }
    }
}
