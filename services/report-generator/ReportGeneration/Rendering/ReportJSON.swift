import OutpostJSON
import ServiceDescriptors

extension ReportFigures {
    /// The report as JSON: the job's `result` and the `json` format's file. `totals` is always
    /// there; the other sections as `sections` lists for the report.
    var json: JSONValue {
        func time(_ t: Int64?) -> JSONValue { t.map { .string(DatasetPeriod.iso8601($0)) } ?? .null }
        func number(_ d: Double?) -> JSONValue { d.map { .number($0) } ?? .null }
        func group(_ g: Group, key: String) -> JSONValue {
            var o = g.counts.json
            o[key] = .string(g.key)
            return .object(o)
        }
        var o: [String: JSONValue] = [
            "report": .string(request.report), "groupBy": .string(request.groupBy), "format": .string(request.format),
            "title": .string(title),
            "period": ["from": time(period.from), "to": time(period.to)],
            "generatedAt": time(generatedAt),
            "totals": totals.totalsJSON,
            "successRate": number(successRate),
            "sections": .array(sections.map { .string($0.rawValue) }),
        ]
        for section in sections {
            switch section {
            case .jobsPerDay:
                o["jobsPerDay"] = .array(perDay.map { group($0, key: "date") })
            case .groups:
                o["groups"] = .array(groups.map { group($0, key: "key") })
            case .durations:
                o["durations"] = .array(durations.map {
                    ["type": .string($0.type), "count": .number(Double($0.count)), "p50Seconds": .number($0.p50Seconds), "p95Seconds": .number($0.p95Seconds)]
                })
            case .queueWait:
                o["queueWait"] = ["count": .number(Double(queueWait.count)), "meanSeconds": number(queueWait.meanSeconds),
                                  "p50Seconds": number(queueWait.p50Seconds), "p95Seconds": number(queueWait.p95Seconds),
                                  "maxSeconds": number(queueWait.maxSeconds)]
            case .costs:
                o["costs"] = [
                    "classes": .array(classCosts.map {
                        ["class": .string($0.className), "instanceType": $0.instanceType.map { .string($0) } ?? .null,
                         "instanceSeconds": .number($0.instanceSeconds), "instanceHours": .number(($0.instanceHours * 1_000_000).rounded() / 1_000_000),
                         "hourlyPriceUSD": .number($0.hourlyPriceUSD), "costUSD": .number($0.costUSD)]
                    }),
                    "totalCostUSD": .number(totalCostUSD), "instanceHours": .number(instanceHours), "currency": "USD",
                ]
            case .userCosts:
                o["userCosts"] = .array(userCosts.map {
                    ["user": .string($0.user), "jobs": .number(Double($0.jobs)), "busySeconds": .number($0.busySeconds), "costUSD": .number($0.costUSD)]
                })
            case .topUsers:
                o["topUsers"] = .array(topUsers.map { u in
                    var row = u.counts.json
                    row["user"] = .string(u.user)
                    return .object(row)
                })
            case .scaling:
                o["scalingEvents"] = [
                    "count": .number(Double(scaling.count)),
                    "byAction": .object(scaling.byAction.mapValues { .number(Double($0)) }),
                    "byClass": .object(scaling.byClass.mapValues { .number(Double($0)) }),
                    "perDay": .array(scaling.perDay.map { ["date": .string($0.day), "count": .number(Double($0.count))] }),
                ]
            }
        }
        return .object(o)
    }
}
