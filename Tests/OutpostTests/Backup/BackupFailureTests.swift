import Foundation
import Outpost
import OutpostTesting
import Testing

/// What `outpost backup` refuses or reports: tampered files, non-empty restore targets,
/// incomplete backups, retention, and a disk that fills up mid-backup.
@Suite("Node backup failures and retention", .serialized)
struct BackupFailureTests {
    /// A running node with a few KV, R2 and Durable Object writes.
    static func seededNode(r2Bytes: Int = 50_000) async throws -> (String, ServerProcess) {
        let dir = try BackupNode.makeDirectory()
        let server = try await BackupNode.start(dir)
        for i in 0..<5 {
            try await BackupNode.put(server, "/kv/k\(i)", Data("v\(i)".utf8))
            try await BackupNode.put(server, "/do/a/kv/k\(i)", Data("d\(i)".utf8))
        }
        try await BackupNode.put(server, "/r2/big", Data((0..<r2Bytes).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        return (dir, server)
    }

    @Test("verify names the first tampered or missing file; restore verifies first and refuses a non-empty target")
    func tamperAndRefusals() async throws {
        let (dir, server) = try await Self.seededNode()
        let backups = TestRuntime.makeTemporaryDirectory()
        let target = TestRuntime.makeTemporaryDirectory()
        defer { server.kill(signal: SIGKILL); for d in [dir, backups, target] { try? FileManager.default.removeItem(atPath: d) } }
        let path = try #require(try await BackupNode.create(state: dir + "/state", to: backups)["path"]?.stringValue)
        #expect(try await BackupNode.cli(["verify", path]).status == 0)

        // Restore into a non-empty directory: refused with a message, the directory untouched.
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target + "/notes.txt"))
        let refused = try await BackupNode.cli(["restore", path, "--persist-to", target])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("refusing to restore into \(target): it is not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["notes.txt"])

        // One byte changed in a backed-up database (a copy, never a link to the live state).
        let kv = path + "/kv.sqlite"
        let handle = try #require(FileHandle(forUpdatingAtPath: kv))
        try handle.seek(toOffset: 100)
        let original = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([original ^ 0x01]))
        try handle.close()
        let tampered = try await BackupNode.cli(["verify", path])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("\(kv): checksum mismatch"), "\(tampered.stderr)")

        // A tampered backup is not restored: nothing is created.
        let fresh = target + "/new-state"
        let badRestore = try await BackupNode.cli(["restore", path, "--persist-to", fresh])
        #expect(badRestore.status == 1)
        #expect(badRestore.stderr.contains("checksum mismatch"))
        #expect(!FileManager.default.fileExists(atPath: fresh))

        // A file removed: named as missing.
        try FileManager.default.removeItem(atPath: kv)
        let missing = try await BackupNode.cli(["verify", path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(kv): missing"), "\(missing.stderr)")

        // The live node was never touched by any of it.
        #expect(try await BackupNode.get(server, "/kv/k3").1 == Data("v3".utf8))
    }

    @Test("--keep N keeps the newest N complete backups; a stale .partial is removed and never verifies")
    func retentionAndPartials() async throws {
        let (dir, server) = try await Self.seededNode()
        let backups = TestRuntime.makeTemporaryDirectory()
        defer { server.kill(signal: SIGKILL); for d in [dir, backups] { try? FileManager.default.removeItem(atPath: d) } }

        // A .partial left by a crashed create (nobody holds its lock).
        let stale = backups + "/20200101T000000.000Z-dead00.partial"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: URL(fileURLWithPath: stale + "/kv.sqlite"))
        let partialVerify = try await BackupNode.cli(["verify", stale])
        #expect(partialVerify.status == 1)
        #expect(partialVerify.stderr.contains("incomplete backup"))

        var ids: [String] = []
        for i in 0..<3 {
            try await BackupNode.put(server, "/kv/round", Data("\(i)".utf8))
            ids.append(try #require(try await BackupNode.create(state: dir + "/state", to: backups, keep: 2)["id"]?.stringValue))
        }
        #expect(!FileManager.default.fileExists(atPath: stale))
        let listed = try await BackupNode.cli(["list", "--to", backups])
        #expect(listed.status == 0)
        let entries = try listed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(entries.compactMap { $0["id"]?.stringValue } == Array(ids.suffix(2)))
        #expect(entries.allSatisfy { $0["state"]?.stringValue == "complete" })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: backups)) == Set(ids.suffix(2)))
    }

    /// Where the disk fills: copying an R2 blob, or SQLite's online backup of a database.
    enum Filler: String, CaseIterable, Sendable { case r2Blob, database }

    @Test("a disk that fills up mid-backup: a clear error, no backup left behind, and the node keeps serving", arguments: Filler.allCases)
    func diskFull(filler: Filler) async throws {
        let (dir, server) = try await Self.seededNode(r2Bytes: filler == .r2Blob ? 3_000_000 : 50_000)
        if filler == .database {
            try await BackupNode.put(server, "/kv/big", Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }))
        }
        let mountPoint = TestRuntime.makeTemporaryDirectory()
        defer { server.kill(signal: SIGKILL); for d in [dir, mountPoint] { try? FileManager.default.removeItem(atPath: d) } }
        // A 1 MiB tmpfs: another filesystem, so blobs are copied, and the 3 MB object cannot fit.
        let mount = try await ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
        try #require(mount.status == 0, "mount: \(String(decoding: mount.stderr, as: UTF8.self))")
        defer { BackupNode.unmount(mountPoint) }

        let out = try await BackupNode.cli(["create", "--persist-to", dir + "/state", "--to", mountPoint])
        #expect(out.status == 1)
        #expect(out.stderr.contains("disk full: no space left on device"), "\(out.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).isEmpty)
        #expect(try await BackupNode.cli(["list", "--to", mountPoint]).stdout.isEmpty)

        // The node still reads and writes.
        #expect(try await BackupNode.get(server, "/kv/k1").1 == Data("v1".utf8))
        try await BackupNode.put(server, "/kv/after", Data("still here".utf8))
        #expect(try await BackupNode.get(server, "/kv/after").1 == Data("still here".utf8))
        #expect(try await BackupNode.get(server, "/r2/big").0 == 200)
    }
}
