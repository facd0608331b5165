import Foundation
import OutpostTesting
import Testing
@testable import UserDataBackup

/// The streaming ZIP writer against independent readers (Python's `zipfile`, Info-ZIP's `unzip -t`),
/// and the service's own reader of the central directory, past the classic 65,535-entry limit
/// (the ZIP64 end records).
@Suite("ZIP stream writer")
struct ZipStreamWriterTests {
    @Test("70,000 entries with data descriptors: zipfile and unzip -t read every one (ZIP64 end records); ZipDirectory agrees")
    func zip64EntryCount() throws {
        let directory = NSTemporaryDirectory() + "zipwriter-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/many.zip"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let writer = ZipStreamWriter(sink: handle)
        let count = 70_000
        for index in 0..<count {
            try writer.begin("files/\(index).txt")
            try writer.write(Array("entry \(index)\n".utf8))
            try writer.end()
        }
        try writer.finish()
        try handle.close()

        let script = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        names = z.namelist()
        assert z.testzip() is None
        print(len(names), z.read('files/69999.txt').decode().strip(), z.getinfo('files/0.txt').flag_bits & 8)
        """
        let out = try ChildProcess.output(of: "/usr/bin/python3", ["-c", script, path]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(out == "70000 entry 69999 8", "zipfile read: \(out)")
        let test = try ChildProcess.output(of: "/usr/bin/unzip", ["-tq", path])
        #expect(test.contains("No errors detected"), "\(test)")

        let read = try ZipDirectory(path: path)
        #expect(read.entries.count == count)
        let last = try #require(read.entries.last)
        #expect(last.path == "files/69999.txt" && last.size == UInt64("entry 69999\n".utf8.count) && last.method == 0)
    }
}
