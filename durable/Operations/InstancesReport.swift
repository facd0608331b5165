import Outpost

/// `GET /api/containers/instances`: every instance the platform has used, with what its
/// supervisor knows now, and the recent scaling decisions.
enum InstancesReport {
    struct Row {
        var instance: InstanceLedger.InstanceRow
        var info: ContainerInfo?
        var jobsInFlight: Int
    }

    static func make(_ rows: [Row], scalingEvents: [JSONValue]) -> JSONValue {
        let instances: [JSONValue] = rows.map { row in
            let info = row.info
            return .object([
                "class": .string(row.instance.className), "name": .string(row.instance.name), "id": .string(row.instance.id),
                "state": .string(info?.state ?? "stopped"), "pid": info?.pid.map { .number(Double($0)) } ?? .null,
                "jobsInFlight": .number(Double(row.jobsInFlight)),
                "uptimeSeconds": info?.uptimeSeconds.map { .number(($0 * 1000).rounded() / 1000) } ?? .null,
                "memoryBytes": info?.memoryBytes.map { .number(Double($0)) } ?? .null,
                "starts": .number(Double(row.instance.starts)),
            ])
        }
        return .object(["instances": .array(instances), "scalingEvents": .array(scalingEvents)])
    }
}
