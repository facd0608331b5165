import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The backup-service through the whole platform: GDPR exports of users whose uploads and jobs are
/// interleaved, read back with Python's `zipfile` and `hashlib` (independent of our writer), the
/// 403/404 rules at submit, restores into a fresh user id (the bytes come back, compared through
/// the jobs API and R2), and tampered ZIPs refused with 422 and nothing imported.
@Suite("Backup jobs end to end", .serialized, .heavy)
struct BackupJobsEndToEndTests {
    static let carol: HTTPFields = [HTTPField.Name("X-API-Key")!: "carol-key"]
    static let dave: HTTPFields = [HTTPField.Name("X-API-Key")!: "dave-key"]

    /// The harness's callers plus carol and dave, who start with nothing (restore targets).
    static func with(_ body: @Sendable (Platform) async throws -> Void) async throws {
        let keys = "root:admin:admin-key, alice:user:alice-key, bob:user:bob-key, val:viewer:viewer-key, carol:user:carol-key, dave:user:dave-key"
        try await Platform.with(vars: ["API_KEYS": keys], body)
    }

    @Test("alice's export holds exactly her jobs, uploads, outputs and KV entries, none of bob's; every manifest SHA-256 matches the bytes")
    func exportHoldsExactlyTheUsersData() async throws {
        try await Self.with { p in
            let made = try await Self.makeData(p)
            let job = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.alice)
            try #require(job["status"] == "succeeded", "\(job)")
            #expect(job["outputs"]?.arrayValue?.first?["contentType"] == "application/zip")
            let zip = try await Self.output(p, job, as: Platform.alice)
            let read = try Self.pythonZip(zip, p)
            #expect(read["crcOk"] == true, "zipfile.testzip: \(read["crcBad"] ?? .null)")
            #expect(read["manifestOk"] == true, "manifest vs bytes: \(read["problems"] ?? .null)")
            #expect(read["manifestLast"] == true, "manifest.json is the last entry")
            #expect(read["manifest"]?["userId"] == "alice")
            let names = Set((read["names"]?.arrayValue ?? []).compactMap(\.stringValue))
            // Her uploads, with their bytes.
            for (key, bytes) in made.alice.uploads {
                #expect(names.contains(key), "alice's upload \(key)")
                #expect(read["sha256"]?[key]?.stringValue == Self.sha256(bytes), "bytes of \(key)")
            }
            // Exactly her jobs (as the jobs API lists them to her, the export included), their outputs and status entries.
            let listed = try await Self.jobIds(p, as: Platform.alice)
            #expect(listed.isSuperset(of: made.alice.jobs))
            let exportedJobs = Set(names.filter { $0.hasPrefix("jobs/") }.map { String($0.dropFirst(5).dropLast(5)) })
            #expect(exportedJobs == listed, "jobs in the ZIP vs the API: \(exportedJobs.symmetricDifference(listed))")
            for id in made.alice.jobs {
                #expect(names.contains { $0.hasPrefix("outputs/\(id)/") }, "the output of \(id)")
                #expect(names.contains("kv/JOB_STATUS_KV/job:\(id)"), "the status entry of \(id)")
                let record = try JSONValue.parse(Array((read["jobs"]?[id]?.stringValue ?? "").utf8))
                #expect(record["id"]?.stringValue == id && record["status"] == "succeeded" && record["owner"] == "alice", "\(record)")
            }
            #expect(names.contains("api-keys.json") && names.contains("manifest.json"))
            // Nothing of bob's: no key, job id or upload byte of his anywhere.
            for key in made.bob.uploads.keys { #expect(!names.contains(key), "bob's upload \(key) leaked") }
            for id in made.bob.jobs { #expect(!names.contains { $0.contains(id) }, "bob's job \(id) leaked") }
            #expect(!names.contains { $0.hasPrefix("uploads/bob/") })
            #expect(read["containsBob"] == false, "a file of the ZIP holds bob's marker bytes")
        }
    }

    @Test("the export holds the user's code deployments (every version) and stored pitches with their embeddings, none of bob's")
    func exportHoldsDeploymentsAndPitches() async throws {
        try await Self.with { p in
            let env = p.t.env
            _ = try await p.upload(try Self.file(p, "a.bin", Array("alice".utf8)), as: Platform.alice, contentType: "text/plain")
            for (who, versions) in [("alice", 2), ("bob", 1)] {
                for v in 0..<versions {
                    _ = try await CodeDeployments.stub(env).call(CodeDeployments.self) { d in
                        try await d.deploy(owner: who, name: "calc", settings: ["language": "python", "code": .string("print(\(v))")], at: 1)
                    }
                }
                let pitch = StoredPitch(jobId: "pitch-of-\(who)", owner: who, createdAt: 1, title: "\(who)'s pitch", vector: [0.5, 0.25])
                try await PitchIndex.stub(env).call(PitchIndex.self) { index in try await index.record([pitch]) }
            }
            let job = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.alice)
            try #require(job["status"] == "succeeded", "\(job)")
            let read = try Self.pythonZip(try await Self.output(p, job, as: Platform.alice), p)
            #expect(read["manifestOk"] == true, "\(read["problems"] ?? .null)")
            let names = Set((read["names"]?.arrayValue ?? []).compactMap(\.stringValue))
            #expect(names.contains("deployments/calc.json") && names.contains("pitches/pitch-of-alice.json"), "\(names)")
            #expect(!names.contains("pitches/pitch-of-bob.json"))
            let script = "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps([json.loads(z.read('deployments/calc.json')), json.loads(z.read('pitches/pitch-of-alice.json'))]))"
            let zipPath = try Self.file(p, "records.zip", try await Self.output(p, job, as: Platform.alice))
            let both = try JSONValue.parse(try ChildProcess.output(of: "/usr/bin/python3", ["-c", script, zipPath]))
            let (deployment, pitch) = (both.arrayValue?.first, both.arrayValue?.last)
            let versions = deployment?.arrayValue ?? []
            #expect(versions.map { $0["settings"]?["code"]?.stringValue } == ["print(0)", "print(1)"], "\(both)")
            #expect(pitch?["embedding"] == [0.5, 0.25] && pitch?["title"] == "alice's pitch", "\(both)")
            // A second export holds the first one's record, not its ZIP (which would nest every earlier export).
            let first = try #require(job["id"]?.stringValue)
            let second = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.alice)
            let again = Set((try Self.pythonZip(try await Self.output(p, second, as: Platform.alice), p)["names"]?.arrayValue ?? []).compactMap(\.stringValue))
            #expect(again.contains("jobs/\(first).json") && !again.contains { $0.hasPrefix("outputs/\(first)/") }, "\(again)")
        }
    }

    @Test("another user's export: 403 for a user or viewer, 404 for an unknown user (admin), 202 for the admin")
    func accessRules() async throws {
        try await Self.with { p in
            _ = try await p.upload(try Self.file(p, "a", Array("alice only".utf8)), as: Platform.alice, contentType: "text/plain")
            let (s1, b1) = try await p.post("/api/backup/backup-user-data", ["userId": "alice"], as: Platform.bob)
            #expect(s1 == 403, "\(b1)")
            let (s2, b2) = try await p.post("/api/containers/backup-service/backup-user-data", ["userId": "alice"], as: Platform.viewer)
            #expect(s2 == 403, "\(b2)")
            let (s3, b3) = try await p.post("/api/containers/backup-service/backup-user-data", ["userId": "nobody-at-all"], as: Platform.admin)
            #expect(s3 == 404, "\(b3)")
            #expect(b3["error"]?["code"] == "unknown_user", "\(b3)")
            let (s4, b4) = try await p.post("/api/containers/backup-service/restore-user-data", ["key": "uploads/x", "targetUserId": "carol"], as: Platform.bob)
            #expect(s4 == 403, "a restore into another user: \(b4)")
            let (s5, b5) = try await p.post("/api/containers/backup-service/backup-user-data", ["userId": "alice"], as: Platform.admin)
            #expect(s5 == 202, "\(b5)")
            #expect(b5["params"]?["userId"] == "alice")
            try await p.waitForJob(try #require(b5["id"]?.stringValue))
        }
    }

    @Test("a restore into a fresh id brings back alice's uploads, jobs and outputs (same bytes); a second restore imports nothing new")
    func restoreIntoAFreshId() async throws {
        try await Self.with { p in
            let made = try await Self.makeData(p)
            let export = try await p.finished("/api/backup/backup-user-data", ["userId": "alice"], as: Platform.admin)
            try #require(export["status"] == "succeeded", "\(export)")
            let zipKey = try #require(export["outputs"]?.arrayValue?.first?["key"]?.stringValue)
            let restore = try await p.finished("/api/backup/restore-user-data", ["key": .string(zipKey), "targetUserId": "carol"], as: Platform.admin)
            try #require(restore["status"] == "succeeded", "\(restore)")
            #expect(restore["result"]?["sourceUserId"] == "alice" && restore["result"]?["targetUserId"] == "carol")
            #expect(restore["result"]?["imported"]?["objects"]?.intValue ?? 0 >= made.alice.uploads.count + made.alice.jobs.count)
            // carol now lists alice's jobs (under new ids) with their outputs, byte for byte.
            let (status, page) = try await p.get("/api/containers/jobs?limit=100", as: Self.carol)
            try #require(status == 200)
            let jobs = page["jobs"]?.arrayValue ?? []
            let aliceJobs = try await Self.jobIds(p, as: Platform.alice)
            #expect(jobs.count == aliceJobs.count, "carol has \(jobs.count) jobs; alice had \(aliceJobs.count) at the export")
            var compared = 0
            for id in made.alice.jobs {
                let original = try await p.get("/api/containers/jobs/\(id)", as: Platform.alice).1
                let params = original["params"]
                guard let copy = jobs.first(where: { $0["params"] == params && $0["type"] == original["type"] && $0["status"] == "succeeded" }) else {
                    Issue.record("no restored copy of \(id) (\(params ?? .null))"); continue
                }
                #expect(copy["id"] != original["id"])
                #expect(copy["result"] == original["result"])
                let mine = try await Self.output(p, copy, as: Self.carol)
                let theirs = try await Self.output(p, original, as: Platform.alice)
                #expect(mine == theirs, "the output of \(id) came back different")
                compared += 1
            }
            #expect(compared == made.alice.jobs.count)
            // The uploads are carol's, same bytes (read from R2 directly).
            let media = try p.t.env.r2("MEDIA")
            let listing = try await media.list(R2ListOptions(prefix: "uploads/carol/", include: [.customMetadata]))
            #expect(listing.objects.count == made.alice.uploads.count)
            for object in listing.objects {
                #expect(object.customMetadata["owner"] == "carol")
                let bytes = try await #require(try await media.get(object.key)).body.bytes()
                #expect(made.alice.uploads.values.contains(bytes), "\(object.key) holds bytes alice did not upload")
            }
            #expect(restore["result"]?["apiKeysNotRestored"]?.arrayValue != nil)
            // Again: idempotent.
            let again = try await p.finished("/api/backup/restore-user-data", ["key": .string(zipKey), "targetUserId": "carol"], as: Platform.admin)
            #expect(again["result"]?["imported"]?["jobs"] == 0 && again["result"]?["imported"]?["objects"] == 0, "\(again["result"]?["imported"] ?? .null)")
            let (_, after) = try await p.get("/api/containers/jobs?limit=100", as: Self.carol)
            #expect((after["jobs"]?.arrayValue?.count ?? 0) == jobs.count + 0, "the second restore added jobs")
        }
    }

    @Test("a ZIP with one changed byte, or an edited manifest: 422 (failed, not retried) and nothing imported")
    func tamperedExportsAreRefused() async throws {
        try await Self.with { p in
            _ = try await Self.makeData(p)
            let export = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.alice)
            try #require(export["status"] == "succeeded", "\(export)")
            let zip = try await Self.output(p, export, as: Platform.alice)
            var daveUploads: Set<String> = []
            for (mode, code) in [("byte", "checksum_mismatch"), ("manifest", "manifest_mismatch")] {
                let tampered = try Self.tamper(zip, mode: mode, p)
                let key = try await p.upload(try Self.file(p, "tampered-\(mode).zip", tampered), as: Self.dave, contentType: "application/zip")
                daveUploads.insert(key)
                let job = try await p.finished("/api/backup/restore-user-data", ["key": .string(key)], as: Self.dave)
                #expect(job["status"] == "failed", "\(mode): \(job)")
                #expect(job["error"]?["code"]?.stringValue == code, "\(mode): \(job["error"] ?? .null)")
                #expect(job["attempts"] == 1, "a 422 is not retried")
            }
            // dave has only his two restore jobs, and only the two ZIPs he uploaded.
            let (_, page) = try await p.get("/api/containers/jobs?limit=100", as: Self.dave)
            #expect((page["jobs"]?.arrayValue ?? []).allSatisfy { $0["type"] == "backup.restore-user-data" }, "\(page)")
            let media = try p.t.env.r2("MEDIA")
            let uploads = try await media.list(R2ListOptions(prefix: "uploads/dave/"))
            #expect(Set(uploads.objects.map(\.key)) == daveUploads, "\(uploads.objects.map(\.key))")
        }
    }

    @Test("the service's peak RSS stays flat: an export with a 300 MB upload grows it by far less than the upload")
    func memoryStaysFlat() async throws {
        try await Self.with { p in
            _ = try await p.upload(try Self.file(p, "small.bin", Array(repeating: 7, count: 1 << 20)), as: Platform.bob, contentType: "application/octet-stream")
            let small = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.bob)
            try #require(small["status"] == "succeeded", "\(small)")
            let pid = try #require(try await p.instances().first { $0["name"] == "backup-service-1" }?["pid"]?.intValue)
            let before = try #require(Self.peakRSS(pid), "no backup-service process below \(pid)")
            // 300 MB of non-repeating bytes, generated on disk.
            let big = p.t.directory + "/big.bin"
            _ = try ChildProcess.output(of: "/usr/bin/python3", ["-c", "import os,sys\nwith open(sys.argv[1],'wb') as f:\n for i in range(300): f.write(os.urandom(1<<20))", big])
            _ = try await p.upload(big, as: Platform.bob, contentType: "application/octet-stream")
            let large = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.bob)
            try #require(large["status"] == "succeeded", "\(large)")
            let samePid = try await p.instances().first { $0["name"] == "backup-service-1" }?["pid"]?.intValue
            try #require(samePid == pid, "the instance restarted between the exports")
            let after = try #require(Self.peakRSS(pid))
            // The input and the ZIP both stream through memory now (1 MiB pipes, 1 MiB blocks, the
            // threads' allocator arenas): measured 68-74 MiB of growth here, flat in the data's size.
            #expect(after - before < 96 << 20, "peak RSS grew \((after - before) >> 20) MiB for a 300 MB upload (from \(before >> 20) MiB)")
            #expect((large["outputs"]?.arrayValue?.first?["size"]?.intValue ?? 0) > 300 << 20)
        }
    }

    @Test("an export streams: 3 uploads of 40 MB pass through a scratch directory that never holds 8 MiB; every SHA-256 in the ZIP matches")
    func exportScratchStaysFlat() async throws {
        try await Self.with { p in
            // 120 MB of non-repeating bytes in three uploads, generated on disk.
            var digests: [String: String] = [:]
            for index in 0..<3 {
                let path = p.t.directory + "/flat-\(index).bin"
                _ = try ChildProcess.output(of: "/usr/bin/python3", ["-c", "import os,sys\nwith open(sys.argv[1],'wb') as f:\n for i in range(40): f.write(os.urandom(1<<20))", path])
                let key = try await p.upload(path, as: Platform.alice, contentType: "application/octet-stream")
                digests[key] = String(try ChildProcess.output(of: "/usr/bin/sha256sum", [path]).prefix(64))
            }
            let (status, submitted) = try await p.post("/api/backup/backup-user-data", [:], as: Platform.alice)
            try #require(status == 202 || status == 200, "\(submitted)")
            let id = try #require(submitted["id"]?.stringValue)
            // An independent look while it runs: `du -sb` of the instance's scratch directory, as
            // often as it can until the job ends (it can miss a short peak; the service's own
            // measure below cannot miss a file that stays).
            let scratchRoot = p.t.directory
            let duPeak = Task { () -> Int in
                var peak = 0
                while !Task.isCancelled {
                    let found = (try? ChildProcess.output(of: "/usr/bin/find", [scratchRoot, "-maxdepth", "6", "-type", "d", "-path", "*containers/scratch/BackupService-*"])) ?? ""
                    for directory in found.split(separator: "\n") {
                        let du = (try? ChildProcess.output(of: "/usr/bin/du", ["-sb", String(directory)])) ?? ""
                        peak = max(peak, Int(du.split(separator: "\t").first ?? "") ?? 0)
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return peak
            }
            let job = try await p.waitForJob(id, timeout: 600, as: Platform.alice)
            duPeak.cancel()
            let sampled = await duPeak.value
            try #require(job["status"] == "succeeded", "\(job)")
            #expect(sampled < 8 << 20, "du saw \(sampled) bytes in the service's scratch")
            // The service's own measure of its scratch directory since it started (this export is its first job).
            let health = try await p.t.durableObject("BACKUP_SERVICE").getByName("backup-service-1").fetch("http://backup-service-1/health").json()
            let peak = try #require(health["scratchPeakBytes"]?.intValue, "\(health)")
            #expect(peak < 8 << 20, "the service held \(peak) bytes of scratch for 120 MB of uploads")
            // The ZIP, read by Python: every upload there, every digest the upload's.
            let zipPath = try await Self.outputFile(p, job, as: Platform.alice)
            #expect(Self.fileSize(zipPath) > 120 << 20)
            let read = try Self.pythonZip(path: zipPath)
            #expect(read["crcOk"] == true, "zipfile.testzip: \(read["crcBad"] ?? .null)")
            #expect(read["manifestOk"] == true, "manifest vs bytes: \(read["problems"] ?? .null)")
            for (key, digest) in digests {
                #expect(read["sha256"]?[key]?.stringValue == digest, "bytes of \(key)")
            }
            #expect(job["result"]?["objectBytes"]?.intValue == 120 << 20, "\(job["result"] ?? .null)")
        }
    }

    // MARK: data

    struct Owned {
        var uploads: [String: [UInt8]] = [:]
        var jobs: Set<String> = []
    }

    /// alice and bob, interleaved: each uploads two files (marked with their name) and runs a
    /// report job (its output is theirs).
    static func makeData(_ p: Platform) async throws -> (alice: Owned, bob: Owned) {
        var alice = Owned(), bob = Owned()
        for round in 0..<2 {
            for (who, caller) in [("alice", Platform.alice), ("bob", Platform.bob)] {
                let bytes = Array("\(who.uppercased())-MARK round \(round) ".utf8) + (0..<4096).map { UInt8(($0 * 31 + round) & 0xFF) }
                let key = try await p.upload(try file(p, "\(who)-\(round).bin", bytes), as: caller, contentType: "application/octet-stream")
                if who == "alice" { alice.uploads[key] = bytes } else { bob.uploads[key] = bytes }
            }
        }
        for (who, caller) in [("alice", Platform.alice), ("bob", Platform.bob)] {
            let job = try await p.finished("/api/reports/generate-analytics", ["format": "json"], as: caller)
            try #require(job["status"] == "succeeded", "\(job)")
            let id = try #require(job["id"]?.stringValue)
            if who == "alice" { alice.jobs.insert(id) } else { bob.jobs.insert(id) }
        }
        // The KV status cache writes a quarter second after a job's change: wait until it holds
        // every job, so an export sees what the platform settled on.
        let status = try p.t.env.kv("JOB_STATUS_KV")
        try await p.eventually("every job's status entry is cached") {
            for id in alice.jobs.union(bob.jobs) where try await status.get("job:" + id) == nil { return false }
            return true
        }
        return (alice, bob)
    }

    static func file(_ p: Platform, _ name: String, _ bytes: [UInt8]) throws -> String {
        let path = p.t.directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func output(_ p: Platform, _ job: JSONValue, as caller: HTTPFields) async throws -> [UInt8] {
        let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue, "\(job)")
        let response = await p.t.dispatchFetch(url, method: .get, headers: caller, body: .empty)
        try #require(response.status == .ok, "\(url): \(response.status)")
        return try await response.body.bytes()
    }

    /// The job's first output, streamed into a file of the test's directory.
    static func outputFile(_ p: Platform, _ job: JSONValue, as caller: HTTPFields) async throws -> String {
        let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue, "\(job)")
        let response = await p.t.dispatchFetch(url, method: .get, headers: caller, body: .empty)
        try #require(response.status == .ok, "\(url): \(response.status)")
        let path = p.t.directory + "/output-\(UUID().uuidString).zip"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        for try await chunk in response.body { try handle.write(contentsOf: Data(chunk.readableBytesView)) }
        return path
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func jobIds(_ p: Platform, as caller: HTTPFields) async throws -> Set<String> {
        var ids: Set<String> = []
        var cursor: String?
        repeat {
            let (status, page) = try await p.get("/api/containers/jobs?limit=100" + (cursor.map { "&cursor=" + $0 } ?? ""), as: caller)
            try #require(status == 200, "\(page)")
            for job in page["jobs"]?.arrayValue ?? [] { if let id = job["id"]?.stringValue { ids.insert(id) } }
            cursor = page["cursor"]?.stringValue
        } while cursor != nil
        return ids
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "sha-\(UUID().uuidString)"
        try? Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = (try? ChildProcess.output(of: "/usr/bin/sha256sum", [path])) ?? ""
        return String(out.prefix(64))
    }

    /// The ZIP as Python reads it: names in order, CRCs (`testzip`), each file's SHA-256 against
    /// the manifest, the job records' text, and whether any file holds bob's marker.
    static func pythonZip(_ zip: [UInt8], _ p: Platform) throws -> JSONValue {
        try pythonZip(path: try file(p, "export-\(UUID().uuidString).zip", zip))
    }

    /// ``pythonZip(_:_:)`` of the ZIP file at `path`.
    static func pythonZip(path: String) throws -> JSONValue {
        let script = """
        import hashlib, json, sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        names = [i.filename for i in z.infolist()]
        bad = z.testzip()
        manifest = json.loads(z.read('manifest.json'))
        sha = {}; problems = []; jobs = {}; bob = False
        for n in names:
            if n == 'manifest.json': continue
            data = z.read(n)
            sha[n] = hashlib.sha256(data).hexdigest()
            if b'BOB-MARK' in data: bob = True
            if n.startswith('jobs/'): jobs[n[5:-5]] = data.decode()
        listed = {f['path']: f for f in manifest['files']}
        if set(listed) != set(sha): problems.append(['set', sorted(set(listed) ^ set(sha))])
        for n, f in listed.items():
            if n in sha and (f['sha256'] != sha[n] or f['size'] != z.getinfo(n).file_size): problems.append(n)
        print(json.dumps({'names': names, 'crcOk': bad is None, 'crcBad': bad, 'manifestOk': not problems, 'problems': problems,
                          'manifestLast': names[-1] == 'manifest.json', 'manifest': manifest, 'sha256': sha, 'jobs': jobs, 'containsBob': bob}))
        """
        return try JSONValue.parse(try ChildProcess.output(of: "/usr/bin/python3", ["-c", script, path]))
    }

    /// A copy of `zip` rewritten by Python: `byte` flips one byte of an upload's content, keeping
    /// the manifest; `manifest` drops one file from the manifest's list, keeping the bytes.
    static func tamper(_ zip: [UInt8], mode: String, _ p: Platform) throws -> [UInt8] {
        let source = try file(p, "source-\(mode).zip", zip)
        let target = p.t.directory + "/tampered-out-\(mode).zip"
        let script = """
        import json, sys, zipfile
        src = zipfile.ZipFile(sys.argv[1]); mode = sys.argv[3]
        out = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED)
        manifest = json.loads(src.read('manifest.json'))
        done = False
        for info in src.infolist():
            data = src.read(info.filename)
            if mode == 'byte' and not done and info.filename.startswith('uploads/'):
                data = data[:10] + bytes([data[10] ^ 1]) + data[11:]; done = True
            if info.filename == 'manifest.json':
                if mode == 'manifest':
                    manifest['files'] = [f for f in manifest['files'] if not f['path'].startswith('uploads/')][:] + [f for f in manifest['files'] if f['path'].startswith('uploads/')][1:]
                data = json.dumps(manifest).encode()
            out.writestr(info.filename, data)
        out.close()
        """
        _ = try ChildProcess.output(of: "/usr/bin/python3", ["-c", script, source, target, mode])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: target)))
    }

    /// VmHWM of the `backup-service` process the instance `pid` runs (itself, or the first
    /// process of that name below it: the sandbox forks before it execs the service), in bytes.
    static func peakRSS(_ pid: Int) -> Int? {
        var children: [Int: [Int]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int(fields[1]) { children[parent, default: []].append(child) }
        }
        var queue = [pid]
        var service: Int?
        while !queue.isEmpty, service == nil {
            let next = queue.removeFirst()
            let name = (try? String(contentsOfFile: "/proc/\(next)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if name == "backup-service" { service = next } else { queue += children[next] ?? [] }
        }
        guard let service, let status = try? String(contentsOfFile: "/proc/\(service)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }
}
