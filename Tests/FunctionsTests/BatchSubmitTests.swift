import Durable
import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Batch submit", .serialized)
struct BatchSubmitTests {
    @Test("POST /api/containers/jobs/batch stores every job and answers 202 with their ids in order; each runs")
    func batch() async throws {
        try await ServiceRecipeTests.with { p in
            var headers = Platform.alice
            headers[.contentType] = "application/octet-stream"
            let upload = await p.t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: [1, 2, 3, 4]))
            let key = try #require(try await upload.json()["key"]?.stringValue)
            let entries: [JSONValue] = [
                ["type": "fixture.note", "params": ["text": "one"]],
                ["type": "fixture.checksum", "input": ["key": .string(key)], "priority": "high"],
                ["type": "fixture.note", "params": ["text": "three", "shout": true]],
            ]
            let (status, body) = try await p.post("/api/containers/jobs/batch", ["jobs": .array(entries)])
            #expect(status == 202, "\(body)")
            let jobs = try #require(body["jobs"]?.arrayValue)
            #expect(jobs.map { $0["type"]?.stringValue } == ["fixture.note", "fixture.checksum", "fixture.note"])
            #expect(jobs[1]["priority"] == "high")
            for job in jobs {
                let done = try await p.waitForJob(try #require(job["id"]?.stringValue))
                #expect(done["status"] == "succeeded")
            }
            let (_, list) = try await p.get("/api/containers/jobs")
            #expect(list["jobs"]?.arrayValue?.count == 3)
        }
    }

    @Test("a batch of 50 lands whole: every id is listed, each job runs and writes its own output")
    func fiftyJobs() async throws {
        try await ServiceRecipeTests.with { p in
            let texts = (0..<50).map { "note \($0)" }
            let (status, body) = try await p.post("/api/containers/jobs/batch", ["jobs": .array(texts.map { ["type": "fixture.note", "params": ["text": .string($0)]] })])
            #expect(status == 202, "\(body)")
            let ids = try #require(body["jobs"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            #expect(ids.count == 50 && Set(ids).count == 50)
            let (_, list) = try await p.get("/api/containers/jobs?limit=100")
            #expect(Set(list["jobs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == Set(ids), "all 50 stored, nothing else")
            for (id, text) in zip(ids, texts) {
                let done = try await p.waitForJob(id)
                #expect(done["status"] == "succeeded", "\(done)")
                let file = await p.t.dispatchFetch("/api/containers/jobs/\(id)/outputs/note", headers: Platform.alice)
                #expect(file.status == .ok)
                #expect(try await file.text() == text, "the output of the entry at its own index")
            }
        }
    }

    @Test("a batch with bad entries reports each by index and stores none; size and role are checked")
    func badEntries() async throws {
        try await ServiceRecipeTests.with { p in
            let entries: [JSONValue] = [
                ["type": "fixture.note", "params": ["text": "fine"]],
                ["type": "fixture.explode"],
                ["type": "fixture.note", "params": ["text": "x", "shout": "maybe"]],
                ["type": "fixture.checksum", "input": ["key": "uploads/nobody/none"]],
            ]
            let (status, body) = try await p.post("/api/containers/jobs/batch", ["jobs": .array(entries)])
            #expect(status == 400)
            #expect(body["error"]?["code"] == "invalid_batch")
            let problems = try #require(body["error"]?["jobs"]?.arrayValue)
            #expect(problems.map { $0["index"]?.intValue } == [1, 2, 3])
            #expect(problems.map { $0["code"]?.stringValue } == ["unknown_job_type", "invalid_parameter", "input_not_found"])
            let (_, list) = try await p.get("/api/containers/jobs", as: Platform.admin)
            #expect(list["jobs"]?.arrayValue?.isEmpty == true, "nothing of the batch is stored")

            let tooMany = JSONValue.array(Array(repeating: ["type": "fixture.note", "params": ["text": "x"]], count: 101))
            let (over, _) = try await p.post("/api/containers/jobs/batch", ["jobs": tooMany])
            #expect(over == 400)
            let (empty, _) = try await p.post("/api/containers/jobs/batch", ["jobs": []])
            #expect(empty == 400)
            let (viewer, _) = try await p.post("/api/containers/jobs/batch", ["jobs": .array(entries)], as: Platform.viewer)
            #expect(viewer == 403)
        }
    }
}
