import Outpost
import ServiceDescriptors

/// What the orchestrator streams to an operation whose input is `.platformDataset`: the request
/// body, one JSON object per line (NDJSON), in this order —
///
/// 1. `{"kind":"period","from","to","generatedAt"}` (milliseconds since the epoch; `from`/`to` null when open);
/// 2. one `{"kind":"job","seq","id","owner","type","class","status","attempts","createdAt","startedAt","finishedAt"}`
///    per job created in the period, oldest first, read from the jobs table in pages of `pageSize`
///    (never all at once);
/// 3. one `{"kind":"cost","class","instanceType","instanceSeconds","hourlyPriceUSD","costUSD"}` per
///    container class: the numbers `GET /api/containers/costs` reports at that moment;
/// 4. one `{"kind":"scaling","at","class","action","instances","reason"}` per scaling decision in
///    the period (the orchestrator keeps the last 1000);
/// 5. `{"kind":"end","jobs":N}`: the stream is complete (a service treats a stream without it as
///    truncated).
///
/// The rows carry no parameters, results or errors: a report needs counts and times, not content.
public enum PlatformDataset {
    /// Jobs read from the store per orchestrator call.
    public static let pageSize = 1000

    static func periodLine(_ period: DatasetPeriod, generatedAt: Int64) -> String {
        JSONValue.object([
            "kind": "period", "from": period.from.map { .number(Double($0)) } ?? .null,
            "to": period.to.map { .number(Double($0)) } ?? .null, "generatedAt": .number(Double(generatedAt)),
        ]).serialized() + "\n"
    }

    static func jobLine(_ job: JobRecord, className: String?) -> String {
        func time(_ t: Int64?) -> JSONValue { t.map { .number(Double($0)) } ?? .null }
        return JSONValue.object([
            "kind": "job", "seq": .number(Double(job.seq)), "id": .string(job.id), "owner": .string(job.owner),
            "type": .string(job.type), "class": className.map { .string($0) } ?? .null, "status": .string(job.status.rawValue),
            "attempts": .number(Double(job.attempts)), "createdAt": time(job.createdAt), "startedAt": time(job.startedAt),
            "finishedAt": time(job.finishedAt),
        ]).serialized() + "\n"
    }

    static func endLine(jobs: Int) -> String {
        JSONValue.object(["kind": "end", "jobs": .number(Double(jobs))]).serialized() + "\n"
    }
}

extension ContainerOrchestrator {
    /// The next page of job lines of `period` after job `seq` (oldest first), and the last seq read
    /// (nil when there are no more).
    func datasetJobs(_ period: DatasetPeriod, after seq: Int64, limit: Int) throws -> (lines: String, count: Int, last: Int64?) {
        let page = try store.period(from: period.from, to: period.to, after: seq, limit: limit)
        var lines = ""
        for job in page { lines += PlatformDataset.jobLine(job, className: services.jobTypes[job.type]?.containerClass) }
        return (lines, page.count, page.count < limit ? nil : page.last?.seq)
    }

    /// The lines after the jobs: costs per class (as `costs()` reports them now) and the scaling
    /// decisions of `period`.
    func datasetFigures(_ period: DatasetPeriod) throws -> String {
        var lines = ""
        for row in try costs()["classes"]?.arrayValue ?? [] {
            guard case .object(var o) = row else { continue }
            o["kind"] = "cost"
            lines += JSONValue.object(o).serialized() + "\n"
        }
        for event in try ledger.scalingEvents(from: period.from, to: period.to) {
            guard case .object(var o) = event else { continue }
            o["kind"] = "scaling"
            lines += JSONValue.object(o).serialized() + "\n"
        }
        return lines
    }
}
