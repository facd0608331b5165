import Foundation
import OutpostJSON

/// The report as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or
/// line break, quotes doubled), in long form: one figure per record, `section,key,metric,value`.
/// The same figures as the JSON, flattened: `totals,,jobs,12`, `jobsPerDay,2026-12-07,failed,2`,
/// `durations,video.thumbnail,p95Seconds,1.25`, `costs,VideoProcessor,costUSD,0.0012`.
enum ReportCSV {
    static func render(_ figures: ReportFigures) -> String {
        var out = record(["section", "key", "metric", "value"])
        func add(_ section: String, _ key: String, _ metric: String, _ value: JSONValue?) {
            out += record([section, key, metric, text(value ?? .null)])
        }
        func addObject(_ section: String, _ key: String, _ object: JSONValue?, skip: Set<String> = []) {
            for (metric, value) in (object?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where !skip.contains(metric) {
                add(section, key, metric, value)
            }
        }
        let json = figures.json
        for field in ["report", "groupBy", "title", "generatedAt"] { add("report", "", field, json[field]) }
        add("report", "", "from", json["period"]?["from"])
        add("report", "", "to", json["period"]?["to"])
        addObject("totals", "", json["totals"])
        add("totals", "", "successRate", json["successRate"])
        for row in json["jobsPerDay"]?.arrayValue ?? [] { addObject("jobsPerDay", row["date"]?.stringValue ?? "", row, skip: ["date"]) }
        for row in json["groups"]?.arrayValue ?? [] { addObject("groups", row["key"]?.stringValue ?? "", row, skip: ["key"]) }
        for row in json["durations"]?.arrayValue ?? [] { addObject("durations", row["type"]?.stringValue ?? "", row, skip: ["type"]) }
        if let wait = json["queueWait"] { addObject("queueWait", "", wait) }
        if let costs = json["costs"] {
            for row in costs["classes"]?.arrayValue ?? [] { addObject("costs", row["class"]?.stringValue ?? "", row, skip: ["class"]) }
            add("costs", "", "totalCostUSD", costs["totalCostUSD"])
            add("costs", "", "instanceHours", costs["instanceHours"])
        }
        for row in json["userCosts"]?.arrayValue ?? [] { addObject("userCosts", row["user"]?.stringValue ?? "", row, skip: ["user"]) }
        for row in json["topUsers"]?.arrayValue ?? [] { addObject("topUsers", row["user"]?.stringValue ?? "", row, skip: ["user"]) }
        if let scaling = json["scalingEvents"] {
            add("scalingEvents", "", "count", scaling["count"])
            addObject("scalingEvents.byAction", "", scaling["byAction"])
            addObject("scalingEvents.byClass", "", scaling["byClass"])
            for row in scaling["perDay"]?.arrayValue ?? [] { add("scalingEvents.perDay", row["date"]?.stringValue ?? "", "count", row["count"]) }
        }
        return out
    }

    /// A figure as text: numbers without a needless `.0`, null as empty.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .string(let s): s
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        default: value.serialized()
        }
    }

    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
