import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `/api/containers/jobs` through the harness: auth, validation, isolation, listing, events.
@Suite("Jobs API", .serialized)
struct JobsAPITests {
    @Test("no credentials → 401, a viewer cannot create jobs → 403, nothing is stored")
    func auth() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let body: JSONValue = ["type": "video.analyze", "input": ["key": .string(key)]]
            let anonymous = await p.t.dispatchFetch("/api/containers/jobs", method: .post, headers: [:], json: body)
            #expect(anonymous.status.code == 401)
            let (viewer, error) = try await p.post("/api/containers/jobs", body, as: Platform.viewer)
            #expect(viewer == 403)
            #expect(error["error"]?["message"]?.stringValue?.contains("viewer") == true)
            let (_, list) = try await p.get("/api/containers/jobs", as: Platform.admin)
            #expect(list["jobs"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("bad job requests are 400s with a message naming the problem, and store nothing")
    func validation() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let cases: [(JSONValue, String)] = [
                (["type": "video.explode", "input": ["key": .string(key)]], "unknown_job_type"),
                (["type": "video.analyze"], "missing_input"),
                (["type": "video.analyze", "input": ["key": "uploads/alice/nope.mp4"]], "input_not_found"),
                (["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["timestamp": -1]], "invalid_parameter"),
                (["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["format": "gif"]], "invalid_parameter"),
                (["type": "video.thumbnail", "input": ["key": .string(key)], "params": ["width": 1.5]], "invalid_parameter"),
                (["type": "video.analyze", "input": ["key": .string(key)], "priority": "urgent"], "invalid_job"),
                (["type": "video.analyze", "input": ["key": .string(key)], "webhookUrl": "ftp://x"], "invalid_job"),
                (["type": "video.analyze", "input": ["key": .string(key)], "surprise": true], "invalid_job"),
                ("not an object", "invalid_job"),
            ]
            for (body, code) in cases {
                let (status, json) = try await p.post("/api/containers/jobs", body)
                #expect(status == 400, "\(body) → \(status) \(json)")
                #expect(json["error"]?["code"]?.stringValue == code, "\(body) → \(json)")
                #expect((json["error"]?["message"]?.stringValue ?? "").count > 10)
            }
            let malformed = await p.t.dispatchFetch("/api/containers/jobs", method: .post, headers: Platform.alice, body: Body("{nope"))
            #expect(malformed.status.code == 400)
            let (tooLong, _) = try await p.post("/api/video/analyze?wait=61", ["key": .string(key)])
            #expect(tooLong == 400)
            let (negative, json) = try await p.post("/api/video/thumbnail", ["key": .string(key), "timestamp": -0.5])
            #expect(negative == 400)
            #expect(json["error"]?["message"]?.stringValue?.contains("timestamp") == true)
            let (badFormat, _) = try await p.post("/api/video/thumbnail", ["key": .string(key), "format": "bmp"])
            #expect(badFormat == 400)
            let (badOperation, _) = try await p.post("/api/containers/video-processing/process", ["inputKey": .string(key), "operation": "explode"])
            #expect(badOperation == 400)
            let (_, list) = try await p.get("/api/containers/jobs", as: Platform.admin)
            #expect(list["jobs"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("a caller sees only its own jobs and uploads; another's id is a 404; an admin sees all")
    func isolation() async throws {
        try await Platform.with { p in
            let aliceKey = try await p.upload("sample.mp4", as: Platform.alice)
            let id = try await p.submit("video.analyze", key: aliceKey, as: Platform.alice)
            try await p.waitForJob(id)
            let (bobGet, _) = try await p.get("/api/containers/jobs/\(id)", as: Platform.bob)
            #expect(bobGet == 404)
            let bobCancel = await p.t.dispatchFetch("/api/containers/jobs/\(id)", method: .delete, headers: Platform.bob, body: .empty)
            #expect(bobCancel.status.code == 404)
            let (bobEvents, _) = try await p.get("/api/containers/jobs/\(id)/events", as: Platform.bob)
            #expect(bobEvents == 404)
            let (aliceGet, job) = try await p.get("/api/containers/jobs/\(id)", as: Platform.alice)
            #expect(aliceGet == 200)
            #expect(job["id"]?.stringValue == id)
            #expect(job["owner"] == nil)
            let (adminGet, _) = try await p.get("/api/containers/jobs/\(id)", as: Platform.admin)
            #expect(adminGet == 200)
            let (_, bobList) = try await p.get("/api/containers/jobs", as: Platform.bob)
            #expect(bobList["jobs"]?.arrayValue?.isEmpty == true)
            // Bob cannot use Alice's upload as his input.
            let (bobSubmit, error) = try await p.post("/api/containers/jobs", ["type": "video.analyze", "input": ["key": .string(aliceKey)]], as: Platform.bob)
            #expect(bobSubmit == 400)
            #expect(error["error"]?["code"] == "input_not_found")
        }
    }

    @Test("list filters by status and type, pages with a cursor, newest first")
    func listing() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            var ids: [String] = []
            for _ in 0..<5 { ids.append(try await p.submit("video.analyze", key: key)) }
            let bad = try await p.upload("random.bin", contentType: "application/octet-stream")
            let failedID = try await p.submit("video.analyze", key: bad)
            for id in ids + [failedID] { try await p.waitForJob(id) }

            var seen: [String] = []
            var cursor: String?
            repeat {
                let (status, page) = try await p.get("/api/containers/jobs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(status == 200)
                let jobs = page["jobs"]?.arrayValue ?? []
                #expect(jobs.count <= 2)
                seen += jobs.compactMap { $0["id"]?.stringValue }
                cursor = page["cursor"]?.stringValue
            } while cursor != nil
            #expect(seen == ([failedID] + ids.reversed()))
            let (_, failed) = try await p.get("/api/containers/jobs?status=failed&type=video.analyze")
            #expect(failed["jobs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [failedID])
            let (_, none) = try await p.get("/api/containers/jobs?type=video.thumbnail")
            #expect(none["jobs"]?.arrayValue?.isEmpty == true)
            for query in ["status=done", "limit=0", "limit=101", "type=video.explode", "cursor=xyz"] {
                let (status, _) = try await p.get("/api/containers/jobs?" + query)
                #expect(status == 400, "\(query)")
            }
        }
    }

    @Test("events stream status and progress as server-sent events and end after the terminal status")
    func events() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let id = try await p.submit("video.thumbnail", key: key, params: ["timestamp": 1.9])
            let response = await p.t.dispatchFetch("/api/containers/jobs/\(id)/events", method: .get, headers: Platform.alice, body: .empty)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let text = try await response.body.text()
            let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let statuses = events.compactMap { event -> String? in
                guard let data = event.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return nil }
                return (try? JSONValue.parse(String(data.dropFirst(6))))?["status"]?.stringValue
            }
            #expect(statuses.last == "succeeded")
            #expect(events.last?.contains("event: status") == true)
            #expect(Set(statuses).isSubset(of: ["queued", "running", "succeeded"]))
            // A finished job's stream is one event.
            let again = try await p.t.dispatchFetch("/api/containers/jobs/\(id)/events", method: .get, headers: Platform.alice, body: .empty).body.text()
            #expect(again.components(separatedBy: "\n\n").filter { !$0.isEmpty }.count == 1)
        }
    }

    @Test("?wait= answers 200 with the finished job, or 202 with the job as it stands when the wait runs out")
    func waitParameter() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            // The first job starts the instance, which a loaded machine may take longer than the
            // wait to do; the second runs on the warm instance in milliseconds and answers 200.
            let first = try await p.finished("/api/containers/jobs", ["type": "video.analyze", "input": ["key": .string(key)]])
            #expect(first["status"] == "succeeded", "\(first)")
            let (done, finished) = try await p.post("/api/containers/jobs?wait=60", ["type": "video.analyze", "input": ["key": .string(key)]])
            #expect(done == 200, "\(finished)")
            #expect(finished["status"] == "succeeded")
            let started = Date()
            let (pending, job) = try await p.post("/api/containers/jobs?wait=0.3", ["type": "video.analyze", "input": ["key": .string(key)], "delaySeconds": 30])
            #expect(pending == 202)
            #expect(job["status"] == "queued")
            #expect(Date().timeIntervalSince(started) >= 0.3)
        }
    }

    @Test("?wait= on a job the service holds answers 202 at the deadline with the job as it stands, and the job goes on")
    func waitDeadlineOnAHeldJob() async throws {
        // The service holds the job until the test releases it, so "still running at the deadline"
        // is made by the test, not by the machine's speed.
        try await ServiceRecipeTests.with { p in
            let (status, job) = try await p.post("/api/fixture/hold?wait=0.5", ["label": "deadline"])
            #expect(status == 202, "\(job)")
            let id = try #require(job["id"]?.stringValue)
            #expect(job["status"] == "queued" || job["status"] == "running")
            #expect(job["finishedAt"] == nil || job["finishedAt"] == .null)
            let held = try await p.waitForJob(id) { $0["stage"] == "holding" }
            #expect(held["status"] == "running")
            #expect(held["partialText"] == "holding deadline", "the text a running job streamed so far is shown: \(held)")
            let release = try await p.t.durableObject("SERVICE_FIXTURE").getByName("service-fixture-1")
                .fetch(Request(method: .post, url: "http://service-fixture-1/release?label=deadline"))
            #expect(release.status == .ok)
            let done = try await p.waitForJob(id)
            #expect(done["status"] == "succeeded")
            #expect(done["result"]?["released"] == "deadline")
            #expect(done["partialText"] == nil, "a finished job shows its result, not partial text")
        }
    }

    @Test("job status is cached in KV as job:<id> with the owner")
    func kvCache() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let id = try await p.submit("video.analyze", key: key)
            try await p.waitForJob(id)
            let kv = try p.t.kv("JOB_STATUS_KV")
            try await p.eventually("KV has the terminal status") {
                try await kv.getJSON("job:\(id)")?["status"] == "succeeded"
            }
            #expect(try await kv.getJSON("job:\(id)")?["owner"] == "alice")
        }
    }

    @Test("queues, instances and costs report the platform; instances and costs are for admins")
    func operations() async throws {
        try await Platform.with { p in
            let key = try await p.upload("sample.mp4")
            let id = try await p.submit("video.analyze", key: key)
            try await p.waitForJob(id)
            let (queuesStatus, queues) = try await p.get("/api/containers/queues", as: Platform.viewer)
            #expect(queuesStatus == 200)
            #expect(queues["types"]?["video.analyze"]?["queued"]?["high"] == 0)
            let (forbidden, _) = try await p.get("/api/containers/instances", as: Platform.alice)
            #expect(forbidden == 403)
            let instances = try await p.instances()
            let first = try #require(instances.first)
            #expect(first["class"] == "VideoProcessor")
            #expect(first["name"] == "video-processor-1")
            #expect(first["state"] == "running" || first["state"] == "healthy")
            #expect(first["pid"]?.intValue != nil)
            let (_, ops) = try await p.get("/api/containers/instances", as: Platform.admin)
            #expect(ops["scalingEvents"]?.arrayValue?.first?["action"] == "scale_up")
            let (costsStatus, costs) = try await p.get("/api/containers/costs", as: Platform.admin)
            #expect(costsStatus == 200)
            let video = try #require(costs["classes"]?.arrayValue?.first { $0["class"] == "VideoProcessor" })
            #expect(video["instanceType"] == "standard-1")
            #expect((video["instanceSeconds"]?.doubleValue ?? 0) > 0)
            #expect((video["hourlyPriceUSD"]?.doubleValue ?? 0) > 0)
        }
    }
}
