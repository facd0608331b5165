import OutpostJSON

/// How many jobs ended (or stand) in each status.
struct StatusCounts: Sendable, Equatable {
var jobs = 0
var succeeded = 0
var failed = 0
var cancelled = 0
var deadLettered = 0
var queued = 0
var running = 0

init() {}

    /// Counts one job of `status` (the jobs API's names: `dead_lettered`…).
    mutating func add(status: String) {
        jobs += 1
        switch status {
        case "succeeded": succeeded += 1
        case "failed": failed += 1
        case "cancelled": cancelled += 1
        case "dead_lettered": deadLettered += 1
        case "queued": queued += 1
        case "running": running += 1
        default: break
        }
    }

    /// The statuses in the order tables and charts show them, with their JSON names.
    static var columns: [(name: String, value: KeyPath<StatusCounts, Int>)] {
        [("succeeded", \.succeeded), ("failed", \.failed), ("cancelled", \.cancelled),
         ("deadLettered", \.deadLettered), ("queued", \.queued), ("running", \.running)]
    }

    var json: [String: JSONValue] {
        var o: [String: JSONValue] = ["jobs": .number(Double(jobs))]
        for column in Self.columns { o[column.name] = .number(Double(self[keyPath: column.value])) }
        return o
    }

    /// The report's `totals`: the five figures the issue names.
    var totalsJSON: JSONValue {
        ["jobs": .number(Double(jobs)), "succeeded": .number(Double(succeeded)), "failed": .number(Double(failed)),
         "cancelled": .number(Double(cancelled)), "deadLettered": .number(Double(deadLettered))]
    }
}
