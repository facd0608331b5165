import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The report-generator through the whole platform: a mix of real jobs (document-processor NDAs
/// that succeed, a watermark of a non-PDF that fails, a delayed job that is cancelled), then
/// `generate-analytics` reports whose every figure is recomputed here from `GET /api/containers/jobs`,
/// `GET /api/containers/costs` and `GET /api/containers/instances`; the CSV is read with Python's
/// `csv` module, the PDF with `pdfinfo` and `pdftotext`.
@Suite("Report jobs end to end", .serialized, .heavy)
struct ReportJobsEndToEndTests {
    @Test("generate-analytics: the JSON report's every figure equals what the jobs, costs and instances APIs give; the file equals the result")
    func jsonReportMatchesTheAPIs() async throws {
        try await Platform.with { p in
            let period = try await Self.makeJobs(p)
            let (before, after, report) = try await Self.generate(p, period: period, params: ["report": "platform", "groupBy": "user", "format": "json"])
            try await Self.checkEveryFigure(p, report: report, period: period, costsBefore: before, costsAfter: after, groupBy: "user")
            // The output file is the same JSON as the result.
            let file = try await Self.output(p, report)
            let parsed = try JSONValue.parse(file)
            #expect(parsed == report["result"], "the output file differs from the job's result")
            // jobs grouped by type, through the containers path; the figures hold again.
            let (b2, a2, byType) = try await Self.generate(p, period: period, params: ["report": "jobs", "groupBy": "type", "format": "json"],
                                                         path: "/api/containers/report-generation/generate-analytics")
            try await Self.checkEveryFigure(p, report: byType, period: period, costsBefore: b2, costsAfter: a2, groupBy: "type")
            #expect(byType["result"]?["costs"] == nil, "a jobs report holds no cost section")
        }
    }

    @Test("CSV is RFC 4180 and holds the JSON's figures; the PDF has a title page, charts' numbers and page numbers; the HTML has inline SVG")
    func csvPDFAndHTML() async throws {
        try await Platform.with { p in
            let period = try await Self.makeJobs(p)
            let (_, _, csvJob) = try await Self.generate(p, period: period, params: ["report": "platform", "groupBy": "day", "format": "csv"])
            let csv = try await Self.output(p, csvJob)
            #expect(csvJob["outputs"]?.arrayValue?.first?["contentType"] == "text/csv")
            let records = try Self.pythonCSV(csv)
            try #require(records.first == ["section", "key", "metric", "value"], "\(records.prefix(2))")
            func value(_ section: String, _ key: String, _ metric: String) -> String? {
                records.first { $0.count == 4 && $0[0] == section && $0[1] == key && $0[2] == metric }?[3]
            }
            let result = try #require(csvJob["result"])
            for name in ["jobs", "succeeded", "failed", "cancelled", "deadLettered"] {
                #expect(value("totals", "", name) == String(result["totals"]?[name]?.intValue ?? -1), "totals.\(name)")
            }
            for day in result["jobsPerDay"]?.arrayValue ?? [] {
                #expect(value("jobsPerDay", day["date"]?.stringValue ?? "", "succeeded") == String(day["succeeded"]?.intValue ?? -1))
            }
            for row in result["costs"]?["classes"]?.arrayValue ?? [] {
                let text = try #require(value("costs", row["class"]?.stringValue ?? "", "costUSD"))
                #expect(Double(text) == row["costUSD"]?.doubleValue, "cost of \(row)")
            }
            #expect(String(decoding: csv, as: UTF8.self).contains("\r\n"), "RFC 4180 records end in CRLF")
            // The title (a text with a space) survives quoting rules; a reason with commas would be quoted.
            #expect(value("report", "", "title") == "Platform report")

            let (_, _, pdfJob) = try await Self.generate(p, period: period, params: ["report": "platform", "groupBy": "type", "format": "pdf"])
            #expect(pdfJob["outputs"]?.arrayValue?.first?["contentType"] == "application/pdf")
            let pdf = p.t.directory + "/report.pdf"
            try Data(try await Self.output(p, pdfJob)).write(to: URL(fileURLWithPath: pdf))
            let info = try Self.run("/usr/bin/pdfinfo", [pdf])
            let pages = try #require(info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.split(separator: " ").last ?? "") })
            #expect(pages >= 3, "\(info)")
            #expect(info.contains("Title:") && info.contains("Platform report"), "\(info)")
            let text = try Self.run("/usr/bin/pdftotext", ["-layout", pdf, "-"])
            #expect(text.contains("Platform report"))
            #expect(text.contains("Page 1 of \(pages)") && text.contains("Page \(pages) of \(pages)"), "page numbers")
            let totals = try #require(pdfJob["result"]?["totals"])
            let words = Set(text.split(whereSeparator: { $0.isWhitespace }).map(String.init))
            for name in ["jobs", "succeeded", "failed", "cancelled"] {
                #expect(words.contains(String(totals[name]?.intValue ?? -1)), "\(name) total in the PDF")
            }
            for heading in ["Jobs per day by status", "Run durations of succeeded jobs", "Cost per container class", "Top users", "Scaling events"] {
                #expect(text.contains(heading), "section \(heading)")
            }
            #expect(text.contains("document.generate-nda"), "the type appears in the durations table")
            for row in pdfJob["result"]?["costs"]?["classes"]?.arrayValue ?? [] where (row["costUSD"]?.doubleValue ?? 0) > 0 {
                #expect(text.contains(row["class"]?.stringValue ?? "?"))
            }

            let (_, _, htmlJob) = try await Self.generate(p, period: period, params: ["report": "user-activity", "groupBy": "user", "format": "html"])
            let html = String(decoding: try await Self.output(p, htmlJob), as: UTF8.self)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("<svg") && html.contains("<rect"), "inline SVG charts")
            #expect(!html.contains("<script") && !html.contains("src=\"http"), "standalone")
            #expect(html.contains("User activity report") && html.contains("alice") && html.contains("bob"))
        }
    }

    @Test("from after to, a bad date, an unknown report or format, or an unknown groupBy: 400 at submit")
    func badInputIsA400() async throws {
        try await Platform.with { p in
            let cases: [(JSONValue, String)] = [
                (["from": "2026-12-07", "to": "2026-12-01"], "from"),
                (["from": "yesterday"], "from"),
                (["to": "2026-02-30"], "to"),
                (["report": "sales"], "report"),
                (["format": "docx"], "format"),
                (["groupBy": "hour"], "groupBy"),
            ]
            for (params, name) in cases {
                let (status, body) = try await p.post("/api/reports/generate-analytics", params, as: Platform.admin)
                #expect(status == 400, "\(params): \(body)")
                #expect(body.serialized().contains("\\\"\(name)\\\""), "\(params): the message names \(name): \(body)")
            }
            let job = try await p.finished("/api/containers/report-generation/generate-analytics", ["from": "2026-01-01", "to": "2026-01-01"], as: Platform.admin)
            #expect(job["status"] == "succeeded", "a one-day period is fine: \(job)")
            #expect(job["result"]?["totals"]?["jobs"] == 0)
        }
    }

    // MARK: the jobs

    /// Three NDAs that succeed (alice twice, bob once), a watermark of a non-PDF that fails (bob)
    /// and a delayed job that is cancelled (alice). Returns the period around them (ms).
    static func makeJobs(_ p: Platform) async throws -> (from: Int64, to: Int64) {
        let from = now() - 1
        let nda: JSONValue = ["disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026"]
        for caller in [Platform.alice, Platform.alice, Platform.bob] {
            let job = try await p.finished("/api/document/generate-nda", nda, as: caller)
            try #require(job["status"] == "succeeded", "\(job)")
        }
        let junk = p.t.directory + "/junk.pdf"
        try Data("not a pdf".utf8).write(to: URL(fileURLWithPath: junk))
        let key = try await p.upload(junk, as: Platform.bob, contentType: "application/pdf")
        let failed = try await p.finished("/api/document/watermark", ["key": .string(key), "text": "DRAFT"], as: Platform.bob)
        try #require(failed["status"] == "failed", "\(failed)")
        var delayed = nda.objectValue!
        delayed["delaySeconds"] = 3600
        let (queued, later) = try await p.post("/api/document/generate-nda", .object(delayed), as: Platform.alice)
        try #require(queued == 202, "\(later)")
        let id = try #require(later["id"]?.stringValue)
        let cancelled = await p.t.dispatchFetch("/api/containers/jobs/\(id)", method: .delete, headers: Platform.alice, body: .empty)
        try #require(cancelled.status.code == 200, "cancel answered \(cancelled.status)")
        let to = now() + 1
        // The report jobs must be created after the period ends: wait for the clock to pass it.
        while now() <= to { try await Task.sleep(for: .milliseconds(1)) }
        return (from, to)
    }

    /// Runs a report over `period` as the admin; returns the costs before and after, and the finished job.
    static func generate(_ p: Platform, period: (from: Int64, to: Int64), params: [String: JSONValue],
                         path: String = "/api/reports/generate-analytics") async throws -> (JSONValue, JSONValue, JSONValue) {
        let (_, before) = try await p.get("/api/containers/costs", as: Platform.admin)
        var body = params
        body["from"] = .string(iso(period.from))
        body["to"] = .string(iso(period.to))
        let job = try await p.finished(path, .object(body), as: Platform.admin)
        try #require(job["status"] == "succeeded", "\(job)")
        let (_, after) = try await p.get("/api/containers/costs", as: Platform.admin)
        return (before, after, job)
    }

    static func output(_ p: Platform, _ job: JSONValue) async throws -> [UInt8] {
        let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
        let response = await p.t.dispatchFetch(url, method: .get, headers: Platform.admin, body: .empty)
        try #require(response.status == .ok)
        return try await response.body.bytes()
    }

    // MARK: the figures, recomputed

    struct APIJob {
        var owner: String
        var type: String
        var status: String
        var created: Int64
        var started: Int64?
        var finished: Int64?
    }

    /// Every job of alice and bob, as the jobs API lists them to their owners (all pages).
    static func jobs(_ p: Platform) async throws -> [APIJob] {
        var out: [APIJob] = []
        for (owner, key) in [("alice", Platform.alice), ("bob", Platform.bob), ("root", Platform.admin)] {
            var cursor: String?
            repeat {
                let (status, page) = try await p.get("/api/containers/jobs?limit=100" + (cursor.map { "&cursor=" + $0 } ?? ""), as: key)
                try #require(status == 200, "\(page)")
                for job in page["jobs"]?.arrayValue ?? [] {
                    // The admin's list holds everyone's jobs: keep only its own (the report jobs).
                    if owner == "root", !(job["type"]?.stringValue ?? "").hasPrefix("reports.") { continue }
                    out.append(APIJob(owner: owner, type: job["type"]?.stringValue ?? "", status: job["status"]?.stringValue ?? "",
                                      created: try #require(millis(job["createdAt"])), started: millis(job["startedAt"]), finished: millis(job["finishedAt"])))
                }
                cursor = page["cursor"]?.stringValue
            } while cursor != nil
        }
        return out
    }

    static func checkEveryFigure(_ p: Platform, report job: JSONValue, period: (from: Int64, to: Int64), costsBefore: JSONValue, costsAfter: JSONValue,
                                 groupBy: String) async throws {
        let r = try #require(job["result"])
        let all = try await jobs(p).filter { $0.created >= period.from && $0.created < period.to }
        let sections = Set(r["sections"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        func counts(_ jobs: [APIJob]) -> [String: Int] {
            ["jobs": jobs.count, "succeeded": jobs.filter { $0.status == "succeeded" }.count, "failed": jobs.filter { $0.status == "failed" }.count,
             "cancelled": jobs.filter { $0.status == "cancelled" }.count, "deadLettered": jobs.filter { $0.status == "dead_lettered" }.count,
             "queued": jobs.filter { $0.status == "queued" }.count, "running": jobs.filter { $0.status == "running" }.count]
        }
        func check(_ object: JSONValue?, _ expected: [String: Int], _ what: String) {
            for (name, n) in expected { #expect(object?[name]?.intValue == n, "\(what).\(name): report \(object?[name] ?? .null), expected \(n)") }
        }
        let totals = counts(all)
        #expect(totals["jobs"] == 5 && totals["succeeded"] == 3 && totals["failed"] == 1 && totals["cancelled"] == 1, "the mix made: \(totals)")
        check(r["totals"], totals.filter { ["jobs", "succeeded", "failed", "cancelled", "deadLettered"].contains($0.key) }, "totals")
        #expect(r["totals"]?.objectValue?.count == 5)
        let ended = totals["succeeded"]! + totals["failed"]! + totals["deadLettered"]!
        #expect(r["successRate"]?.doubleValue == (Double(totals["succeeded"]!) / Double(ended) * 1_000_000).rounded() / 1_000_000)
        #expect(r["period"]?["from"]?.stringValue == iso(period.from) && r["period"]?["to"]?.stringValue == iso(period.to))

        let dayOf: (Int64) -> String = { String(iso($0).prefix(10)) }
        if sections.contains("jobsPerDay") {
            let days = Dictionary(grouping: all) { dayOf($0.created) }
            let rows = r["jobsPerDay"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["date"]?.stringValue } == days.keys.sorted())
            for row in rows { check(row, counts(days[row["date"]?.stringValue ?? ""] ?? []), "jobsPerDay[\(row["date"] ?? .null)]") }
        }
        if sections.contains("groups") {
            let keyOf: (APIJob) -> String = { groupBy == "user" ? $0.owner : groupBy == "type" ? $0.type : dayOf($0.created) }
            let groups = Dictionary(grouping: all, by: keyOf)
            let rows = r["groups"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["key"]?.stringValue } == groups.keys.sorted())
            for row in rows { check(row, counts(groups[row["key"]?.stringValue ?? ""] ?? []), "groups[\(row["key"] ?? .null)]") }
        }
        func percentile(_ values: [Int64], _ q: Double) -> Double {
            let sorted = values.sorted()
            let rank = Int((q * Double(sorted.count)).rounded(.up))
            return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1000
        }
        if sections.contains("durations") {
            let byType = Dictionary(grouping: all.filter { $0.status == "succeeded" && $0.started != nil && $0.finished != nil }, by: \.type)
            let rows = r["durations"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["type"]?.stringValue } == byType.keys.sorted())
            for row in rows {
                let runs = (byType[row["type"]?.stringValue ?? ""] ?? []).map { $0.finished! - $0.started! }
                #expect(row["count"]?.intValue == runs.count)
                #expect(row["p50Seconds"]?.doubleValue == percentile(runs, 0.5), "p50 of \(row)")
                #expect(row["p95Seconds"]?.doubleValue == percentile(runs, 0.95), "p95 of \(row)")
            }
        }
        if sections.contains("queueWait") {
            let waits = all.compactMap { job in job.started.map { $0 - job.created } }
            let w = r["queueWait"]
            #expect(w?["count"]?.intValue == waits.count)
            #expect(w?["p50Seconds"]?.doubleValue == percentile(waits, 0.5))
            #expect(w?["p95Seconds"]?.doubleValue == percentile(waits, 0.95))
            #expect(w?["maxSeconds"]?.doubleValue == Double(waits.max()!) / 1000)
            let mean = Double(waits.reduce(0, +)) / Double(waits.count) / 1000
            #expect(abs((w?["meanSeconds"]?.doubleValue ?? -1) - mean) <= 0.0005, "mean wait \(w ?? .null) vs \(mean)")
        }
        // Costs move while instances run: each figure lies between the costs API's answers just
        // before and just after the report (a class's cost only grows).
        let classesBefore = Dictionary(uniqueKeysWithValues: (costsBefore["classes"]?.arrayValue ?? []).map { ($0["class"]?.stringValue ?? "", $0) })
        let classesAfter = Dictionary(uniqueKeysWithValues: (costsAfter["classes"]?.arrayValue ?? []).map { ($0["class"]?.stringValue ?? "", $0) })
        func between(_ value: Double?, _ low: Double, _ high: Double, _ what: String) {
            guard let value else { Issue.record("\(what) is missing"); return }
            #expect(value >= low - 1e-6 && value <= high + 1e-6, "\(what): \(value) not within [\(low), \(high)]")
        }
        if sections.contains("costs") {
            let rows = r["costs"]?["classes"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["class"]?.stringValue } == classesAfter.keys.sorted())
            var hoursLow = 0.0, hoursHigh = 0.0
            for row in rows {
                let name = row["class"]?.stringValue ?? ""
                let (b, a) = (classesBefore[name], classesAfter[name])
                #expect(row["instanceType"] == a?["instanceType"] && row["hourlyPriceUSD"] == a?["hourlyPriceUSD"], "\(name)")
                between(row["costUSD"]?.doubleValue, b?["costUSD"]?.doubleValue ?? 0, a?["costUSD"]?.doubleValue ?? 0, "cost of \(name)")
                between(row["instanceSeconds"]?.doubleValue, b?["instanceSeconds"]?.doubleValue ?? 0, a?["instanceSeconds"]?.doubleValue ?? 0, "seconds of \(name)")
                hoursLow += (b?["instanceSeconds"]?.doubleValue ?? 0) / 3600
                hoursHigh += (a?["instanceSeconds"]?.doubleValue ?? 0) / 3600
            }
            between(r["costs"]?["totalCostUSD"]?.doubleValue, costsBefore["totalCostUSD"]?.doubleValue ?? 0, costsAfter["totalCostUSD"]?.doubleValue ?? 0, "total cost")
            between(r["costs"]?["instanceHours"]?.doubleValue, hoursLow, hoursHigh, "instance-hours")
            #expect((r["costs"]?["classes"]?.arrayValue?.first { $0["class"] == "DocumentProcessor" }?["costUSD"]?.doubleValue ?? 0) > 0, "the document instance cost something")
        }
        if sections.contains("userCosts") {
            // A class's cost goes to users by their share of its busy time (started → finished).
            let classOf: (String) -> String = { $0.hasPrefix("document.") ? "DocumentProcessor" : $0.hasPrefix("reports.") ? "ReportGenerator" : "?" }
            let busy = all.filter { $0.started != nil && $0.finished != nil }
            var classBusy: [String: Int64] = [:]
            for j in busy { classBusy[classOf(j.type), default: 0] += j.finished! - j.started! }
            let users = Dictionary(grouping: all, by: \.owner)
            let rows = r["userCosts"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["user"]?.stringValue } == users.keys.sorted())
            for row in rows {
                let user = row["user"]?.stringValue ?? ""
                let mine = busy.filter { $0.owner == user }
                #expect(row["jobs"]?.intValue == users[user]?.count)
                #expect(row["busySeconds"]?.doubleValue == Double(mine.reduce(0) { $0 + $1.finished! - $1.started! }) / 1000, "busy of \(user)")
                var low = 0.0, high = 0.0
                for j in mine {
                    let c = classOf(j.type)
                    let share = Double(j.finished! - j.started!) / Double(classBusy[c]!)
                    low += share * (classesBefore[c]?["costUSD"]?.doubleValue ?? 0)
                    high += share * (classesAfter[c]?["costUSD"]?.doubleValue ?? 0)
                }
                between(row["costUSD"]?.doubleValue, low, high, "cost of \(user)")
            }
        }
        if sections.contains("topUsers") {
            let users = Dictionary(grouping: all, by: \.owner)
            let order = users.keys.sorted { users[$0]!.count != users[$1]!.count ? users[$0]!.count > users[$1]!.count : $0 < $1 }
            let rows = r["topUsers"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["user"]?.stringValue } == Array(order.prefix(10)))
            for row in rows { check(row, counts(users[row["user"]?.stringValue ?? ""] ?? []), "topUsers[\(row["user"] ?? .null)]") }
        }
        if sections.contains("scaling") {
            let (_, instances) = try await p.get("/api/containers/instances", as: Platform.admin)
            let events = (instances["scalingEvents"]?.arrayValue ?? []).filter { e in
                millis(e["at"]).map { $0 >= period.from && $0 < period.to } ?? false
            }
            let s = r["scalingEvents"]
            #expect(s?["count"]?.intValue == events.count)
            #expect(events.count >= 1, "the document class scaled up in the period")
            for (action, list) in Dictionary(grouping: events, by: { $0["action"]?.stringValue ?? "" }) {
                #expect(s?["byAction"]?[action]?.intValue == list.count, "scaling \(action)")
            }
            for (name, list) in Dictionary(grouping: events, by: { $0["class"]?.stringValue ?? "" }) {
                #expect(s?["byClass"]?[name]?.intValue == list.count, "scaling of \(name)")
            }
            let perDay = Dictionary(grouping: events, by: { String($0["at"]?.stringValue?.prefix(10) ?? "") })
            #expect(s?["perDay"]?.arrayValue?.compactMap { $0["date"]?.stringValue } == perDay.keys.sorted())
        }
    }

    // MARK: helpers

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    static func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func millis(_ value: JSONValue?) -> Int64? {
        guard let text = value?.stringValue else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// The records of `csv` as Python's `csv` module reads them (strict: a malformed field fails).
    static func pythonCSV(_ csv: [UInt8]) throws -> [[String]] {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString).csv"
        try Data(csv).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = "import csv, json, sys\nwith open(sys.argv[1], newline='') as f: print(json.dumps(list(csv.reader(f, strict=True))))"
        let out = try run("/usr/bin/python3", ["-c", script, path])
        let parsed = try JSONValue.parse(out)
        return (parsed.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        try ChildProcess.output(of: executable, arguments)
    }
}
