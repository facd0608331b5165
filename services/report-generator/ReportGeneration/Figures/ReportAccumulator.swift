import OutpostJSON
import ServiceDescriptors

/// Builds a report's figures from a platform dataset as its lines arrive, one at a time. It keeps
/// counters per day, group, type, user and class, plus one number per job for the percentiles
/// (a run duration, a queue wait: 16 bytes a job) — never the rows themselves.
struct ReportAccumulator {
    let request: ReportRequest
    private var period = DatasetPeriod(from: nil, to: nil)
    private var generatedAt: Int64 = 0
    private var sawPeriod = false
    private var endCount: Int?
    private var totals = StatusCounts()
    private var perDay: [String: StatusCounts] = [:]
    private var groups: [String: StatusCounts] = [:]
    private var runMilliseconds: [String: [Int64]] = [:]
    private var waits: [Int64] = []
    private var users: [String: StatusCounts] = [:]
    /// Busy milliseconds per user and class, and per class.
    private var userBusy: [String: [String: Int64]] = [:]
    private var classBusy: [String: Int64] = [:]
    private var costs: [ReportFigures.ClassCost] = []
    private var scaling = ReportFigures.ScalingSummary()
    private var scalingPerDay: [String: Int] = [:]

    init(request: ReportRequest) {
        self.request = request
    }

    /// Takes one line of the dataset.
    mutating func add(_ line: JSONValue) throws {
        switch line["kind"]?.stringValue {
        case "period":
            sawPeriod = true
            period = DatasetPeriod(from: line["from"]?.doubleValue.map { Int64($0) }, to: line["to"]?.doubleValue.map { Int64($0) })
            generatedAt = Int64(line["generatedAt"]?.doubleValue ?? 0)
        case "job":
            addJob(line)
        case "cost":
            costs.append(ReportFigures.ClassCost(
                className: line["class"]?.stringValue ?? "", instanceType: line["instanceType"]?.stringValue,
                instanceSeconds: line["instanceSeconds"]?.doubleValue ?? 0, hourlyPriceUSD: line["hourlyPriceUSD"]?.doubleValue ?? 0,
                costUSD: line["costUSD"]?.doubleValue ?? 0))
        case "scaling":
            scaling.count += 1
            scaling.byAction[line["action"]?.stringValue ?? "", default: 0] += 1
            scaling.byClass[line["class"]?.stringValue ?? "", default: 0] += 1
            if let at = line["at"]?.stringValue.flatMap({ DatasetPeriod.parse($0) }) { scalingPerDay[Self.day(at), default: 0] += 1 }
        case "end":
            endCount = line["jobs"]?.intValue
        default:
            break  // a kind added later: not this report's
        }
    }

    private mutating func addJob(_ line: JSONValue) {
        let status = line["status"]?.stringValue ?? ""
        let type = line["type"]?.stringValue ?? ""
        let owner = line["owner"]?.stringValue ?? ""
        let created = Int64(line["createdAt"]?.doubleValue ?? 0)
        let started = line["startedAt"]?.doubleValue.map { Int64($0) }
        let finished = line["finishedAt"]?.doubleValue.map { Int64($0) }
        totals.add(status: status)
        let day = Self.day(created)
        perDay[day, default: StatusCounts()].add(status: status)
        let key = switch request.groupBy {
        case "week": Self.week(created)
        case "type": type
        case "user": owner
        default: day
        }
        groups[key, default: StatusCounts()].add(status: status)
        users[owner, default: StatusCounts()].add(status: status)
        if let started { waits.append(max(0, started - created)) }
        if let started, let finished {
            let busy = max(0, finished - started)
            if status == "succeeded" { runMilliseconds[type, default: []].append(busy) }
            if let className = line["class"]?.stringValue {
                userBusy[owner, default: [:]][className, default: 0] += busy
                classBusy[className, default: 0] += busy
            }
        }
    }

    /// The figures, once the whole dataset was read. A dataset without its end line, or whose end
    /// line counts other jobs than it held, was cut short: 422.
    func finish() throws -> ReportFigures {
        guard sawPeriod else { throw DatasetError.unreadable("The dataset has no period line: it is not a platform dataset.") }
        guard let endCount else { throw DatasetError.unreadable("The dataset ended before its end line (after \(totals.jobs) jobs): it was cut short.") }
        guard endCount == totals.jobs else { throw DatasetError.unreadable("The dataset's end line counts \(endCount) jobs but it held \(totals.jobs).") }
        var f = ReportFigures(request: request, period: period, generatedAt: generatedAt)
        f.totals = totals
        let ended = totals.succeeded + totals.failed + totals.deadLettered
        f.successRate = ended == 0 ? nil : (Double(totals.succeeded) / Double(ended) * 1_000_000).rounded() / 1_000_000
        f.perDay = perDay.keys.sorted().map { ReportFigures.Group(key: $0, counts: perDay[$0]!) }
        f.groups = groups.keys.sorted().map { ReportFigures.Group(key: $0, counts: groups[$0]!) }
        f.durations = runMilliseconds.keys.sorted().map { type in
            let sorted = runMilliseconds[type]!.sorted()
            return ReportFigures.DurationRow(type: type, count: sorted.count, p50Seconds: seconds(Self.percentile(sorted, 0.5)),
                                             p95Seconds: seconds(Self.percentile(sorted, 0.95)))
        }
        if !waits.isEmpty {
            let sorted = waits.sorted()
            let total = sorted.reduce(0, +)
            f.queueWait = ReportFigures.QueueWait(count: sorted.count, meanSeconds: (Double(total) / Double(sorted.count)).rounded() / 1000,
                                                  p50Seconds: seconds(Self.percentile(sorted, 0.5)), p95Seconds: seconds(Self.percentile(sorted, 0.95)),
                                                  maxSeconds: seconds(sorted.last!))
        } else {
            f.queueWait = ReportFigures.QueueWait()
        }
        f.classCosts = costs.sorted { $0.className < $1.className }
        f.totalCostUSD = dollars(costs.reduce(0) { $0 + $1.costUSD })
        f.instanceHours = (costs.reduce(0) { $0 + $1.instanceSeconds } / 3600 * 1_000_000).rounded() / 1_000_000
        let costByClass = Dictionary(costs.map { ($0.className, $0.costUSD) }, uniquingKeysWith: { $0 + $1 })
        f.userCosts = users.keys.sorted().map { user in
            let busy = userBusy[user] ?? [:]
            var cost = 0.0
            for (className, ms) in busy where (classBusy[className] ?? 0) > 0 {
                cost += (costByClass[className] ?? 0) * Double(ms) / Double(classBusy[className]!)
            }
            return ReportFigures.UserCost(user: user, jobs: users[user]!.jobs, busySeconds: seconds(busy.values.reduce(0, +)), costUSD: dollars(cost))
        }
        f.topUsers = users.map { ReportFigures.UserActivity(user: $0.key, counts: $0.value) }
            .sorted { $0.counts.jobs != $1.counts.jobs ? $0.counts.jobs > $1.counts.jobs : $0.user < $1.user }
            .prefix(10).map { $0 }
        f.scaling = scaling
        f.scaling.perDay = scalingPerDay.keys.sorted().map { ($0, scalingPerDay[$0]!) }
        return f
    }

    /// Nearest-rank percentile of sorted values: the smallest value with at least `p` of them at or below it.
    static func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// `2026-12-07`: the UTC day of a time.
    static func day(_ milliseconds: Int64) -> String { String(DatasetPeriod.iso8601(milliseconds).prefix(10)) }

    /// `2026-11-30`: the Monday of the UTC week of a time.
    static func week(_ milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let monday = days - ((days % 7 + 7 + 3) % 7)  // 1970-01-01 was a Thursday
        return day(monday * 86_400_000)
    }
}
