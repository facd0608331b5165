import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `delete-user-data` (GDPR Art. 17) through the whole platform: alice's data goes, bob's
/// (interleaved with hers) stays, her jobs stay only as anonymous rows, and the receipt lists
/// what went. Read back through the API and the stores themselves (R2, KV, the pitch index, the
/// deployments), not through the erasure's own counts.
@Suite("Erasure end to end", .serialized, .heavy)
struct ErasureEndToEndTests {
    typealias Backup = BackupJobsEndToEndTests

    @Test("erasure needs confirm: true (400), and a user or viewer naming someone else gets 403; nothing is removed")
    func refusals() async throws {
        try await Backup.with { p in
            let key = try await p.upload(try Backup.file(p, "a.bin", Array("alice only".utf8)), as: Platform.alice, contentType: "text/plain")
            for confirm: JSONValue? in [nil, .bool(false), "no"] {
                var body: [String: JSONValue] = [:]
                if let confirm { body["confirm"] = confirm }
                let (status, answer) = try await p.post("/api/backup/delete-user-data", .object(body), as: Platform.alice)
                #expect(status == 400, "confirm \(String(describing: confirm)): \(answer)")
                #expect(answer["error"]?["message"]?.stringValue?.contains("confirm") == true, "\(answer)")
            }
            let (s1, b1) = try await p.post("/api/containers/backup-service/delete-user-data", ["userId": "alice", "confirm": true], as: Platform.bob)
            #expect(s1 == 403, "\(b1)")
            let (s2, b2) = try await p.post("/api/containers/backup-service/delete-user-data", ["userId": "alice", "confirm": true], as: Platform.viewer)
            #expect(s2 == 403, "\(b2)")
            let (s3, b3) = try await p.post("/api/backup/delete-user-data", ["userId": "nobody-at-all", "confirm": true], as: Platform.admin)
            #expect(s3 == 404, "\(b3)")
            let media = try p.t.env.r2("MEDIA")
            #expect(try await media.head(key) != nil, "a refused erasure removed the upload")
        }
    }

    @Test("uploads stored before owners were recorded (no owner metadata) are the user's by their key prefix: exported and erased with hers, bob's left alone")
    func legacyUploadsCountByTheirPrefix() async throws {
        try await Backup.with { p in
            let media = try p.t.env.r2("MEDIA")
            // As the upload route stored them before it recorded `owner`: the key names the caller, no metadata.
            let aliceLegacy = "uploads/alice/0f3c-legacy/old-pitch.bin"
            let bobLegacy = "uploads/bob/9a1d-legacy/old-deck.bin"
            let aliceBytes = Array("ALICE legacy upload ".utf8) + (0..<3000).map { UInt8($0 & 0xFF) }
            try await media.put(aliceLegacy, bytes: aliceBytes)
            try await media.put(bobLegacy, bytes: Array("BOB-MARK legacy upload".utf8))
            #expect(try await media.head(aliceLegacy)?.customMetadata["owner"] == nil)
            // A user with nothing but a legacy upload is known (not a 404), and the export holds it.
            let export = try await p.finished("/api/backup/backup-user-data", [:], as: Platform.alice)
            try #require(export["status"] == "succeeded", "\(export)")
            let read = try Backup.pythonZip(try await Backup.output(p, export, as: Platform.alice), p)
            #expect(read["manifestOk"] == true, "\(read["problems"] ?? .null)")
            #expect(read["sha256"]?[aliceLegacy]?.stringValue == Backup.sha256(aliceBytes), "alice's legacy upload in her export")
            #expect(read["containsBob"] == false, "bob's legacy upload leaked into alice's export")
            // Her erasure removes it and lists it; bob's stays.
            let erasure = try await p.finished("/api/backup/delete-user-data", ["confirm": true], as: Platform.alice)
            try #require(erasure["status"] == "succeeded", "\(erasure)")
            let removed = (erasure["result"]?["removed"]?["uploads"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
            #expect(removed.contains(aliceLegacy), "\(removed)")
            #expect(!removed.contains(bobLegacy), "\(removed)")
            #expect(try await media.head(aliceLegacy) == nil, "alice's legacy upload is still there")
            #expect(try await media.head(bobLegacy) != nil, "bob's legacy upload was removed")
        }
    }

    @Test("alice's erasure removes her uploads, outputs, statuses, API key, pitches and deployments; her jobs stay as anonymous rows; bob's data is untouched; the receipt lists what went")
    func erasureRemovesExactlyTheUsersData() async throws {
        try await Backup.with { p in
            let made = try await Backup.makeData(p)
            let env = p.t.env
            let media = try env.r2("MEDIA")
            let status = try env.kv("JOB_STATUS_KV")
            let auth = try env.kv("AUTH_KV")
            // A stored API key, pitch and deployment of each of them.
            for who in ["alice", "bob"] {
                try await auth.put("apikey:" + String(repeating: who == "alice" ? "a" : "b", count: 64),
                                   json: JSONValue.object(["name": .string(who), "role": "user", "createdAt": 1_700_000_000]))
                let pitch = StoredPitch(jobId: "pitch-of-\(who)", owner: who, createdAt: 1, title: "\(who)'s pitch", vector: [1, 0, 0])
                try await PitchIndex.stub(env).call(PitchIndex.self) { index in try await index.record([pitch]) }
                _ = try await CodeDeployments.stub(env).call(CodeDeployments.self) { d in
                    try await d.deploy(owner: who, name: "calc", settings: ["language": "python"], at: 1)
                }
            }
            let aliceJobs = try await Backup.jobIds(p, as: Platform.alice)
            let bobJobs = try await Backup.jobIds(p, as: Platform.bob)
            var aliceOutputs: [String] = [], bobOutputs: [String] = []
            for id in aliceJobs { aliceOutputs += try await Self.outputKeys(p, id) }
            for id in bobJobs { bobOutputs += try await Self.outputKeys(p, id) }
            try #require(!aliceOutputs.isEmpty && !bobOutputs.isEmpty)
            let (_, allBefore) = try await p.get("/api/containers/jobs?limit=100", as: Platform.admin)

            let job = try await p.finished("/api/backup/delete-user-data", ["confirm": true], as: Platform.alice)
            try #require(job["status"] == "succeeded", "\(job)")
            let erasureId = try #require(job["id"]?.stringValue)
            let receipt = try #require(job["result"])

            // Gone: every upload and output of hers, her statuses, her key, pitch and deployment.
            for key in Array(made.alice.uploads.keys) + aliceOutputs { #expect(try await media.head(key) == nil, "\(key) is still stored") }
            #expect(try await media.list(R2ListOptions(prefix: "uploads/alice/")).objects.isEmpty)
            // Her jobs' status entries settle on gone or the anonymous row (the cache writes late),
            // never her state (which, written after the deletion, would stay for a day).
            try await p.eventually("alice's status entries are gone or anonymous") {
                for id in aliceJobs {
                    guard let entry = try await status.getJSON("job:" + id) else { continue }
                    guard entry["owner"]?.stringValue?.hasPrefix("erased-") == true, entry["params"] == [:] else { return false }
                }
                return true
            }
            #expect(try await auth.get("apikey:" + String(repeating: "a", count: 64)) == nil)
            #expect(try await PitchIndex.stub(env).call(PitchIndex.self) { try await $0.count(owner: "alice") } == 0)
            #expect(try await CodeDeployments.stub(env).call(CodeDeployments.self) { try await $0.list(owner: "alice") }.isEmpty)

            // Kept: bob's everything.
            for key in Array(made.bob.uploads.keys) + bobOutputs { #expect(try await media.head(key) != nil, "bob's \(key) went") }
            #expect(try await Backup.jobIds(p, as: Platform.bob) == bobJobs)
            #expect(try await auth.get("apikey:" + String(repeating: "b", count: 64)) != nil)
            #expect(try await PitchIndex.stub(env).call(PitchIndex.self) { try await $0.count(owner: "bob") } == 1)
            #expect(try await CodeDeployments.stub(env).call(CodeDeployments.self) { try await $0.list(owner: "bob") }.count == 1)

            // Her jobs: no longer hers, still counted, with nothing that says who ran them.
            #expect(try await Backup.jobIds(p, as: Platform.alice) == [erasureId])
            let (_, allAfter) = try await p.get("/api/containers/jobs?limit=100", as: Platform.admin)
            #expect(allAfter["jobs"]?.arrayValue?.count == (allBefore["jobs"]?.arrayValue?.count ?? 0) + 1)
            var anonymous: Set<String> = []
            for id in aliceJobs {
                let (code, row) = try await p.get("/api/containers/jobs/\(id)", as: Platform.admin)
                #expect(code == 200 && row["status"] == "succeeded", "\(row)")
                #expect(row["params"] == [:] && row["result"] == .null && row["outputs"] == [] && row["input"] == .null, "\(row)")
                let owner = try await Self.orchestratorOwner(env, id)
                #expect(owner.hasPrefix("erased-"), "\(owner)")
                anonymous.insert(owner)
            }
            #expect(anonymous.count == 1, "one anonymous id per erasure: \(anonymous)")

            // The receipt: exactly her uploads and outputs, her key by role, the counts.
            let uploads = Set((receipt["removed"]?["uploads"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue })
            let outputs = (receipt["removed"]?["outputs"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.sorted()
            #expect(uploads == Set(made.alice.uploads.keys), "\(receipt)")
            #expect(outputs == aliceOutputs.map { String($0.split(separator: "/").last!) }.sorted(), "\(receipt)")
            #expect(receipt["removed"]?["apiKeys"]?.arrayValue?.count == 1)
            #expect(receipt["removed"]?["records"] == ["deployments": 1, "pitches": 1], "\(receipt)")
            #expect(receipt["anonymizedJobs"]?.intValue == aliceJobs.count)
            #expect(receipt["platform"]?["objects"]?.intValue == uploads.count + outputs.count)
            #expect(receipt["platform"]?["jobsAnonymized"]?.intValue == aliceJobs.count)
            #expect(receipt["platform"]?["pitches"] == 1 && receipt["platform"]?["deploymentVersions"] == 1 && receipt["platform"]?["apiKeys"] == 1)
            for id in aliceJobs { #expect(!receipt.serialized().contains(id), "the receipt names the anonymized job \(id)") }
        }
    }

    @Test("an erasure cut short and run again finishes the rest, and its receipt still lists what the first attempt removed")
    func aRetryFinishesAndKeepsTheFirstReceipt() async throws {
        try await Backup.with { p in
            let made = try await Backup.makeData(p)
            let env = p.t.env
            let first: JSONValue = ["userId": "alice", "removed": ["uploads": .array(made.alice.uploads.keys.sorted().map { ["key": .string($0)] })]]
            // The first attempt removes her uploads and stops (as a crash would) before the rest.
            let media = try env.r2("MEDIA")
            _ = try await media.put(UserErasure.receiptKey("erasure-1"), body: Body(first.serialized()), options: R2PutOptions())
            for key in made.alice.uploads.keys { try await media.delete(key) }
            // The next attempt lists only what is left, and finishes.
            let again = try await UserErasure.erase(userId: "alice", erasureJob: "erasure-1",
                                                   receipt: ["userId": "alice", "removed": ["uploads": []]], env: env)
            let listed = Set((again["removed"]?["uploads"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue })
            #expect(listed == Set(made.alice.uploads.keys), "\(again)")
            #expect(again["platform"]?["jobsAnonymized"]?.intValue == made.alice.jobs.count)
            #expect(try await Backup.jobIds(p, as: Platform.alice).isEmpty)
            // Once more: nothing left to do, and it says so.
            let third = try await UserErasure.erase(userId: "alice", erasureJob: "erasure-1", receipt: ["userId": "alice"], env: env)
            #expect(third["platform"]?["objects"] == 0 && third["platform"]?["jobsAnonymized"] == 0, "\(third)")
        }
    }

    /// The R2 keys of job `id`'s outputs.
    static func outputKeys(_ p: Platform, _ id: String) async throws -> [String] {
        let (_, job) = try await p.get("/api/containers/jobs/\(id)", as: Platform.admin)
        return (job["outputs"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
    }

    /// The owner the orchestrator stores for job `id` (the API does not show it).
    static func orchestratorOwner(_ env: Env, _ id: String) async throws -> String {
        try await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) { o in try await o.job(id: id, owner: nil).owner }
    }
}
