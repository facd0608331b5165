import Foundation
import Logging
import OutpostTesting
import ReportGeneration
import ServiceKit
import ServiceTesting
import Testing

/// The report-generator's HTTP service in the test process, fed platform datasets written here by
/// hand (the figures below are worked out by hand from them), plus the datasets it must refuse.
@Suite("Report generator: the service over HTTP")
struct ReportServiceHTTPTests {
    /// 2026-12-07T00:00:00Z and 2026-12-08T00:00:00Z, in milliseconds.
    static let day1: Int64 = 1_796_601_600_000
    static let day2: Int64 = day1 + 86_400_000

    static func job(_ id: String, owner: String, type: String, cls: String, status: String, created: Int64, started: Int64?, finished: Int64?) -> String {
        func t(_ v: Int64?) -> String { v.map(String.init) ?? "null" }
        return "{\"kind\":\"job\",\"seq\":1,\"id\":\"\(id)\",\"owner\":\"\(owner)\",\"type\":\"\(type)\",\"class\":\"\(cls)\",\"status\":\"\(status)\",\"attempts\":1,"
            + "\"createdAt\":\(created),\"startedAt\":\(t(started)),\"finishedAt\":\(t(finished))}\n"
    }

    /// Five jobs over two days: alice's three `video.process` (runs of 1, 3 and 2 s; waits 0.5, 1, 0 s),
    /// bob's failed `document.merge` (run 4 s, wait 2 s) and bob's cancelled job that never started.
    static var dataset: String {
        let d1 = day1 + 3_600_000, d2 = day2 + 7_200_000
        return "{\"kind\":\"period\",\"from\":\(day1),\"to\":\(day2 + 86_400_000),\"generatedAt\":\(day2 + 86_400_000)}\n"
            + job("a1", owner: "alice", type: "video.process", cls: "VideoProcessor", status: "succeeded", created: d1, started: d1 + 500, finished: d1 + 1500)
            + job("a2", owner: "alice", type: "video.process", cls: "VideoProcessor", status: "succeeded", created: d1, started: d1 + 1000, finished: d1 + 4000)
            + job("a3", owner: "alice", type: "video.process", cls: "VideoProcessor", status: "succeeded", created: d2, started: d2, finished: d2 + 2000)
            + job("b1", owner: "bob", type: "document.merge", cls: "DocumentProcessor", status: "failed", created: d2, started: d2 + 2000, finished: d2 + 6000)
            + job("b2", owner: "bob", type: "document.merge", cls: "DocumentProcessor", status: "cancelled", created: d2, started: nil, finished: nil)
            + "{\"kind\":\"cost\",\"class\":\"DocumentProcessor\",\"instanceType\":\"standard-1\",\"instanceSeconds\":7200,\"hourlyPriceUSD\":0.1,\"costUSD\":0.2}\n"
            + "{\"kind\":\"cost\",\"class\":\"VideoProcessor\",\"instanceType\":\"standard-2\",\"instanceSeconds\":3600,\"hourlyPriceUSD\":0.3,\"costUSD\":0.3}\n"
            + "{\"kind\":\"scaling\",\"at\":\"2026-12-07T01:00:00.000Z\",\"class\":\"VideoProcessor\",\"action\":\"scale_up\",\"instances\":1,\"reason\":\"r, with a comma\"}\n"
            + "{\"kind\":\"end\",\"jobs\":5}\n"
    }

    @Test("the figures of a hand-made dataset: totals, per day, groups, percentiles, waits, costs per class and user, top users, scaling")
    func figuresOfAKnownDataset() async throws {
        try await InProcessService.withReportGenerator { service in
            let reply = try await ServiceHTTP.postRaw(service.url("report=platform&groupBy=week&format=json"), Data(Self.dataset.utf8),
                                                      headers: ["Content-Type": "application/x-ndjson"])
            try #require(reply.status == 200, "\(reply.text)")
            // Without output.url the file comes inline (base64) beside the result.
            let (envelope, file) = try Self.decode(reply)
            let r = try #require(envelope["result"] as? [String: Any])
            #expect(NSDictionary(dictionary: try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])).isEqual(to: r), "the file is the result")
            #expect(r["groupBy"] as? String == "week")
            #expect(r["totals"] as? [String: Int] == ["jobs": 5, "succeeded": 3, "failed": 1, "cancelled": 1, "deadLettered": 0])
            #expect(r["successRate"] as? Double == 0.75)
            let days = r["jobsPerDay"] as? [[String: Any]] ?? []
            #expect(days.map { $0["date"] as? String } == ["2026-12-07", "2026-12-08"])
            #expect(days.map { $0["succeeded"] as? Int } == [2, 1] && days.map { $0["failed"] as? Int } == [0, 1])
            // Both days are in the week starting Monday 2026-12-07.
            let groups = r["groups"] as? [[String: Any]] ?? []
            #expect(groups.map { $0["key"] as? String } == ["2026-12-07"] && groups.first?["jobs"] as? Int == 5)
            let durations = r["durations"] as? [[String: Any]] ?? []
            #expect(durations.count == 1 && durations.first?["type"] as? String == "video.process")
            #expect(durations.first?["p50Seconds"] as? Double == 2 && durations.first?["p95Seconds"] as? Double == 3)
            let wait = r["queueWait"] as? [String: Any] ?? [:]
            #expect(wait["count"] as? Int == 4 && wait["p50Seconds"] as? Double == 0.5 && wait["p95Seconds"] as? Double == 2)
            #expect(wait["maxSeconds"] as? Double == 2 && wait["meanSeconds"] as? Double == 0.875)
            let costs = r["costs"] as? [String: Any] ?? [:]
            #expect(costs["totalCostUSD"] as? Double == 0.5 && costs["instanceHours"] as? Double == 3)
            // Video's 0.3 all to alice; document's 0.2 all to bob (his only job with a run).
            let users = r["userCosts"] as? [[String: Any]] ?? []
            #expect(users.map { $0["user"] as? String } == ["alice", "bob"])
            #expect(users.map { $0["costUSD"] as? Double } == [0.3, 0.2] && users.map { $0["busySeconds"] as? Double } == [6, 4])
            #expect((r["topUsers"] as? [[String: Any]] ?? []).map { $0["user"] as? String } == ["alice", "bob"])
            let scaling = r["scalingEvents"] as? [String: Any] ?? [:]
            #expect(scaling["count"] as? Int == 1 && (scaling["byAction"] as? [String: Int]) == ["scale_up": 1])
        }
    }

    /// The service's JSON answer and its one output's bytes.
    static func decode(_ reply: HTTPReply) throws -> (envelope: [String: Any], file: Data) {
        let envelope = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
        let outputs = try #require(envelope["outputs"] as? [[String: Any]])
        let file = try #require((outputs.first?["base64"] as? String).flatMap { Data(base64Encoded: $0) })
        return (envelope, file)
    }

    @Test("a dataset cut short, one with a line that is not JSON, or one without its period line: 422; from after to: 400")
    func refusedDatasets() async throws {
        try await InProcessService.withReportGenerator { service in
            let full = Self.dataset
            let cut = String(full[..<full.range(of: "{\"kind\":\"cost\"")!.lowerBound])
            for (body, what) in [(cut, "end line"), (full.replacingOccurrences(of: "{\"kind\":\"scaling\"", with: "garbage{\"kind\":\"scaling\""), "not a JSON object"),
                                 (String(full.drop { $0 != "\n" }.dropFirst()), "period line")] {
                let reply = try await ServiceHTTP.postRaw(service.url("format=pdf"), Data(body.utf8), headers: ["Content-Type": "application/x-ndjson"])
                #expect(reply.status == 422 && reply.errorCode == "unreadable_input", "\(reply.status) \(reply.text)")
                #expect(reply.text.contains(what), "\(reply.text)")
            }
            let backwards = try await ServiceHTTP.postRaw(service.url("from=2026-12-09&to=2026-12-07"), Data(full.utf8), headers: ["Content-Type": "application/x-ndjson"])
            #expect(backwards.status == 400 && backwards.errorCode == "invalid_parameter" && backwards.text.contains("from"), "\(backwards.text)")
            // The service still serves after refusals.
            let ok = try await ServiceHTTP.postRaw(service.url("format=csv"), Data(full.utf8), headers: ["Content-Type": "application/x-ndjson"])
            #expect(ok.status == 200)
            let csv = String(decoding: try Self.decode(ok).file, as: UTF8.self)
            #expect(csv.hasPrefix("section,key,metric,value\r\n"))
            #expect(csv.contains("scalingEvents.byClass,,VideoProcessor,1\r\n"))
        }
    }
}

extension InProcessService {
    /// The report-generator's service in this process, 2 jobs at once.
    static func startReportGenerator() async throws -> InProcessService {
        try await start("report-generator", handler: ReportJobHandler(), concurrency: 2)
    }

    /// Runs `body` with a started report-generator, and stops it whatever happens.
    static func withReportGenerator(_ body: (InProcessService) async throws -> Void) async throws {
        let service = try await startReportGenerator()
        do {
            try await body(service)
        } catch {
            await service.stop()
            throw error
        }
        await service.stop()
    }

    func url(_ query: String) -> String { baseURL + "/jobs/generate-analytics?" + query }
}
