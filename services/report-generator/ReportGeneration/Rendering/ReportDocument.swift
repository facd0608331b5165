import Foundation
import ServiceDescriptors

/// What the HTML and PDF formats show, section by section: a heading, its charts and its tables,
/// built once from the figures so both formats hold the same things.
struct ReportDocument {
    struct Table {
        var headers: [String]
        var rows: [[String]]
    }

    struct Section {
        var heading: String
        var charts: [ReportChart]
        var tables: [Table]
    }

    let figures: ReportFigures

    /// The title page's facts: period, generation time, totals and success rate.
    var summary: [(String, String)] {
        [
            ("Period from", figures.period.from.map(Self.time) ?? "the first job"),
            ("Period to", figures.period.to.map(Self.time) ?? "now"),
            ("Generated", Self.time(figures.generatedAt)),
            ("Jobs", String(figures.totals.jobs)),
            ("Succeeded", String(figures.totals.succeeded)),
            ("Failed", String(figures.totals.failed)),
            ("Cancelled", String(figures.totals.cancelled)),
            ("Dead-lettered", String(figures.totals.deadLettered)),
            ("Success rate", figures.successRate.map { String(format: "%.2f %%", $0 * 100) } ?? "n/a"),
        ]
    }

    var sections: [Section] {
        figures.sections.map(section)
    }

    private func statusHeaders(_ first: String) -> [String] {
        [first, "jobs"] + StatusCounts.columns.map(\.name)
    }

    private func statusRow(_ key: String, _ counts: StatusCounts) -> [String] {
        [key, String(counts.jobs)] + StatusCounts.columns.map { String(counts[keyPath: $0.value]) }
    }

    private func statusSeries(_ counts: [StatusCounts]) -> [ReportChart.Series] {
        StatusCounts.columns.enumerated().map { i, column in
            ReportChart.Series(name: column.name, values: counts.map { Double($0[keyPath: column.value]) }, color: RGB.statuses[i])
        }
    }

    private func section(_ section: ReportFigures.Section) -> Section {
        let f = figures
        switch section {
        case .jobsPerDay:
            return Section(heading: "Jobs per day by status", charts: [
                ReportChart(title: "Jobs per day (stacked by status)", kind: .stackedBar, categories: f.perDay.map(\.key),
                            series: statusSeries(f.perDay.map(\.counts)), unit: "jobs"),
                ReportChart(title: "Jobs created per day", kind: .line, categories: f.perDay.map(\.key),
                            series: [.init(name: "jobs", values: f.perDay.map { Double($0.counts.jobs) }, color: .accent)], unit: "jobs"),
            ], tables: [Table(headers: statusHeaders("date"), rows: f.perDay.map { statusRow($0.key, $0.counts) })])
        case .groups:
            return Section(heading: "Jobs by \(f.request.groupBy)", charts: [
                ReportChart(title: "Jobs by \(f.request.groupBy) (stacked by status)", kind: .stackedBar, categories: f.groups.map(\.key),
                            series: statusSeries(f.groups.map(\.counts)), unit: "jobs"),
            ], tables: [Table(headers: statusHeaders(f.request.groupBy), rows: f.groups.map { statusRow($0.key, $0.counts) })])
        case .durations:
            return Section(heading: "Run durations of succeeded jobs", charts: [
                ReportChart(title: "p50 and p95 duration per type", kind: .bar, categories: f.durations.map(\.type), series: [
                    .init(name: "p50", values: f.durations.map(\.p50Seconds), color: .accent),
                    .init(name: "p95", values: f.durations.map(\.p95Seconds), color: .accent2),
                ], unit: "s"),
            ], tables: [Table(headers: ["type", "count", "p50 s", "p95 s"],
                              rows: f.durations.map { [$0.type, String($0.count), Self.number($0.p50Seconds), Self.number($0.p95Seconds)] })])
        case .queueWait:
            let w = f.queueWait
            return Section(heading: "Queue wait (created to started)", charts: [], tables: [Table(
                headers: ["jobs started", "mean s", "p50 s", "p95 s", "max s"],
                rows: [[String(w.count), w.meanSeconds.map(Self.number) ?? "n/a", w.p50Seconds.map(Self.number) ?? "n/a",
                        w.p95Seconds.map(Self.number) ?? "n/a", w.maxSeconds.map(Self.number) ?? "n/a"]])])
        case .costs:
            return Section(heading: "Cost per container class", charts: [
                ReportChart(title: "Cost per class (USD)", kind: .bar, categories: f.classCosts.map(\.className),
                            series: [.init(name: "cost", values: f.classCosts.map(\.costUSD), color: .accent)], unit: "USD"),
            ], tables: [Table(headers: ["class", "instance type", "instance-hours", "USD/hour", "cost USD"],
                              rows: f.classCosts.map { [$0.className, $0.instanceType ?? "", Self.number($0.instanceHours), Self.number($0.hourlyPriceUSD), Self.number($0.costUSD)] }
                                  + [["total", "", Self.number(f.instanceHours), "", Self.number(f.totalCostUSD)]])])
        case .userCosts:
            let top = f.userCosts.sorted { $0.costUSD != $1.costUSD ? $0.costUSD > $1.costUSD : $0.user < $1.user }.prefix(10)
            return Section(heading: "Cost per user", charts: [
                ReportChart(title: "Cost per user (top 10, USD)", kind: .bar, categories: top.map(\.user),
                            series: [.init(name: "cost", values: top.map(\.costUSD), color: .accent2)], unit: "USD"),
            ], tables: [Table(headers: ["user", "jobs", "busy s", "cost USD"],
                              rows: f.userCosts.map { [$0.user, String($0.jobs), Self.number($0.busySeconds), Self.number($0.costUSD)] })])
        case .topUsers:
            return Section(heading: "Top users", charts: [
                ReportChart(title: "Jobs per user (stacked by status)", kind: .stackedBar, categories: f.topUsers.map(\.user),
                            series: statusSeries(f.topUsers.map(\.counts)), unit: "jobs"),
            ], tables: [Table(headers: statusHeaders("user"), rows: f.topUsers.map { statusRow($0.user, $0.counts) })])
        case .scaling:
            return Section(heading: "Scaling events", charts: [
                ReportChart(title: "Scaling events per day", kind: .line, categories: f.scaling.perDay.map(\.day),
                            series: [.init(name: "events", values: f.scaling.perDay.map { Double($0.count) }, color: .accent)], unit: "events"),
            ], tables: [Table(headers: ["class or action", "events"],
                              rows: f.scaling.byClass.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] }
                                  + f.scaling.byAction.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] }
                                  + [["total", String(f.scaling.count)]])])
        }
    }

    static func time(_ ms: Int64) -> String {
        let iso = DatasetPeriod.iso8601(ms)
        return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e12 ? String(Int64(v)) : String(v)
    }
}

