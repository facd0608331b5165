import Outpost

/// `GET /api/containers/costs`: instance-seconds and cost per class, priced from each class's
/// instance type (`CostTable`), for every service class. Running instances count up to `now`.
enum CostsReport {
    static func make(classNames: [String], classes: [String: ContainerClassSettings], closedSeconds: [String: Double], instances: [InstanceLedger.InstanceRow], now: Int64) -> JSONValue {
        var seconds = closedSeconds
        for row in instances {
            if let started = row.startedAt { seconds[row.className, default: 0] += max(0, Double(now - started) / 1000) }
        }
        var out: [JSONValue] = []
        var total = 0.0
        for className in classNames.sorted() {
            let settings = classes[className]
            let used = seconds[className] ?? 0
            let hourly = settings.map { CostTable.hourlyPrice($0.instanceType) } ?? 0
            let cost = used / 3600 * hourly
            total += cost
            out.append(.object([
                "class": .string(className), "instanceType": settings.map { .string($0.instanceType.name) } ?? .null,
                "instanceSeconds": .number((used * 1000).rounded() / 1000), "hourlyPriceUSD": .number(hourly),
                "costUSD": .number((cost * 1_000_000).rounded() / 1_000_000),
            ]))
        }
        return .object(["classes": .array(out), "totalCostUSD": .number((total * 1_000_000).rounded() / 1_000_000), "currency": "USD"])
    }
}
