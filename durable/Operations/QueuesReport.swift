import Outpost

/// `GET /api/containers/queues`: queue depth per type and priority, running and dead-lettered counts.
enum QueuesReport {
    static func make(types: some Sequence<String>, depth: [(type: String, status: String, priority: Int, count: Int)], running: Int) -> JSONValue {
        func empty() -> [String: JSONValue] {
            ["queued": .object(Dictionary(uniqueKeysWithValues: JobPriority.allCases.map { ($0.rawValue, JSONValue.number(0)) })), "running": 0, "deadLettered": 0]
        }
        var byType: [String: [String: JSONValue]] = [:]
        for name in types { byType[name] = empty() }
        var totalQueued = 0
        for row in depth {
            var entry = byType[row.type] ?? empty()
            switch row.status {
            case "queued":
                var queued = entry["queued"]?.objectValue ?? [:]
                queued[JobPriority(rank: row.priority)?.rawValue ?? "normal"] = .number(Double(row.count))
                entry["queued"] = .object(queued)
                totalQueued += row.count
            case "running": entry["running"] = .number(Double(row.count))
            default: entry["deadLettered"] = .number(Double(row.count))
            }
            byType[row.type] = entry
        }
        return .object([
            "types": .object(byType.mapValues { .object($0) }),
            "totalQueued": .number(Double(totalQueued)),
            "running": .number(Double(running)),
        ])
    }
}
