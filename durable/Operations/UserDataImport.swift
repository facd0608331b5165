public import Outpost
import Crypto
import Foundation

/// The platform's half of `restore-user-data`: once the backup-service has checked an export ZIP
/// against its manifest (its result lists every file with where its bytes start in the ZIP), this
/// reads each file by range from the ZIP in R2 — never whole — and imports it for the target user:
///
/// - `jobs/<id>.json` → a historical row of the jobs table owned by the target user, with its
///   status, times, parameters, result, error and outputs as exported, and its `job:<id>` entry in
///   `JOB_STATUS_KV` (rebuilt from the row, so `kv/JOB_STATUS_KV/…` files are not copied);
/// - `uploads/<user>/<rest>` → `uploads/<target>/<rest>`, owned by the target user;
/// - `outputs/<job>/<name>` → `outputs/<new job id>/<name>`, and a stream's `streams/<stream>/<file>`
///   → `outputs/<new job id>/<file>` (played by the job id: stream names are not imported);
/// - `kv/<namespace>/<key>` of other namespaces → the same key, when the deployment binds it.
///
/// A job keeps its id when the data comes back to the user it was exported from (another node);
/// into another user id it gets a new id derived from the target and the old id. So every key is
/// fixed by the export and the target, and importing twice imports nothing new (rows are inserted
/// only if absent, objects written only when absent or of another size).
public enum UserDataImport {
    /// What an import did.
    public struct Summary: Sendable {
        public var jobs = 0
        public var objects = 0
        public var objectBytes = 0
        public var kvEntries = 0
        public var skipped = 0

        var json: JSONValue {
            ["jobs": .number(Double(jobs)), "objects": .number(Double(objects)), "objectBytes": .number(Double(objectBytes)),
             "kvEntries": .number(Double(kvEntries)), "alreadyPresent": .number(Double(skipped))]
        }
    }

    /// Imports what `verified` (the service's result) lists from the ZIP at `zipKey` for `target`.
    public static func run(zipKey: String, verified: JSONValue, target: String, env: Env) async throws -> Summary {
        guard verified["verified"] == true, let source = verified["sourceUserId"]?.stringValue, let files = verified["files"]?.arrayValue else {
            throw UserDatasetError("The restore's result does not describe a verified export.")
        }
        let media = try env.r2(PlatformBindings.media)
        let statusKV = try env.kv(PlatformBindings.jobStatus)
        let orchestrator = try PlatformBindings.orchestrator(env)
        var summary = Summary()
        func range(_ file: JSONValue) -> (offset: Int, size: Int)? {
            guard let offset = file["offset"]?.intValue, let size = file["size"]?.intValue else { return nil }
            return (offset, size)
        }
        func copy(_ file: JSONValue, to key: String, metadata: [String: String]) async throws {
            guard let place = range(file) else { return }
            let (offset, size) = place
            if let present = try await media.head(key), present.size == size {
                summary.skipped += 1
                return
            }
            guard let body = try await media.get(zipKey, range: R2Range(offset: offset, length: size)) else {
                throw UserDatasetError("The export \(zipKey) is no longer in R2.")
            }
            let options = R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: file["contentType"]?.stringValue ?? "application/octet-stream"),
                                       customMetadata: metadata)
            _ = try await media.put(key, body: body.body, options: options)
            summary.objects += 1
            summary.objectBytes += size
        }
        // Exported stream outputs (`streams/<stream>/<file>`) by their imported keys.
        var streamKeys: [String: String] = [:]
        for file in files {
            guard let path = file["path"]?.stringValue, let place = range(file) else { continue }
            let (offset, size) = place
            let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            switch parts.first {
            case "jobs" where parts.count == 2 && path.hasSuffix(".json"):
                guard let body = try await media.get(zipKey, range: R2Range(offset: offset, length: size)),
                      let json = try? JSONValue.parse(try await body.body.bytes(upTo: size + 1)),
                      let record = importedRecord(json, source: source, target: target) else { continue }
                for output in json["outputs"]?.arrayValue ?? [] {
                    guard let key = output["key"]?.stringValue, key.hasPrefix("streams/"), let id = json["id"]?.stringValue else { continue }
                    streamKeys[key] = importedKey(key, name: output["name"]?.stringValue ?? "", job: id, newJob: record.id)
                }
                let inserted = try await orchestrator.call(ContainerOrchestrator.self) { o in try await o.importJob(record) }
                if inserted { summary.jobs += 1 } else { summary.skipped += 1 }
                try await statusKV.put(JobRecord.cacheKey(record.id), json: record.cacheJSON)
            case "uploads" where parts.count == 3:
                let key = UserDataset.uploadsPrefix(target) + parts[2]
                try await copy(file, to: key, metadata: ["owner": target, "filename": String(parts[2].split(separator: "/").last ?? "")])
            case "outputs" where parts.count == 3:
                let job = jobId(parts[1], source: source, target: target)
                try await copy(file, to: "outputs/\(job)/\(parts[2])", metadata: ["owner": target, "job": job])
            case "streams" where parts.count == 3:
                // A stream's files go where its job's imported record says (its record comes first in the export).
                guard let key = streamKeys[path] else { continue }
                try await copy(file, to: key, metadata: ["owner": target, "job": String(key.split(separator: "/")[1])])
            case "kv" where parts.count == 3 && parts[1] != PlatformBindings.jobStatus:
                guard let kv = try? env.kv(parts[1]), let body = try await media.get(zipKey, range: R2Range(offset: offset, length: size)) else { continue }
                try await kv.put(parts[2], bytes: try await body.body.bytes(upTo: size + 1))
                summary.kvEntries += 1
            default:
                continue
            }
        }

        return summary
    }

    /// The id job `id` of `source` has once imported for `target`: the same for the same user,
    /// else a UUID-shaped digest of both.
    static func jobId(_ id: String, source: String, target: String) -> String {
        guard source != target else { return id }
        let hex = SHA256.hash(data: Data("\(target)\n\(id)".utf8)).map { String(format: "%02x", $0) }.joined()
        let d = Array(hex.prefix(32))
        return [d[0..<8], d[8..<12], d[12..<16], d[16..<20], d[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// Where output `key` (named `name`) of exported job `job` goes for its imported job `newJob`:
    /// `outputs/<new job id>/` plus its path under `outputs/<job>/`, or the file name of a stream's
    /// output (`streams/<stream>/<file>`: the stream name stays with the stream it was exported
    /// from, so the import is a copy played by its job id).
    static func importedKey(_ key: String, name: String, job: String, newJob: String) -> String {
        let rest = key.hasPrefix("outputs/\(job)/") ? String(key.dropFirst("outputs/\(job)/".count))
            : key.hasPrefix("streams/") ? (key as NSString).lastPathComponent : name
        return "outputs/\(newJob)/\(rest)"
    }

    /// An exported job record (the API shape) as a row owned by `target`; nil when it is not one.
    static func importedRecord(_ json: JSONValue, source: String, target: String) -> JobRecord? {
        guard let id = json["id"]?.stringValue, let type = json["type"]?.stringValue,
              let status = JobStatus(rawValue: json["status"]?.stringValue ?? ""), let created = time(json["createdAt"]) else { return nil }
        let newId = jobId(id, source: source, target: target)
        let outputs: [JobOutput] = (json["outputs"]?.arrayValue ?? []).compactMap { output in
            guard let name = output["name"]?.stringValue, let key = output["key"]?.stringValue else { return nil }
            return JobOutput(name: name, key: importedKey(key, name: name, job: id, newJob: newId), contentType: output["contentType"]?.stringValue ?? "application/octet-stream",
                             size: output["size"]?.intValue ?? 0)
        }
        var inputKey = json["input"]?["key"]?.stringValue
        if let key = inputKey, key.hasPrefix(UserDataset.uploadsPrefix(source)) {
            inputKey = UserDataset.uploadsPrefix(target) + key.dropFirst(UserDataset.uploadsPrefix(source).count)
        }
        let error = json["error"].flatMap { e -> JobFailure? in
            guard let code = e["code"]?.stringValue else { return nil }
            return JobFailure(code: code, message: e["message"]?.stringValue ?? "")
        }
        let result = json["result"].flatMap { $0 == .null ? nil : $0.serialized() }
        return JobRecord(
            seq: 0, id: newId, owner: target, type: type, status: status,
            priority: JobPriority(rawValue: json["priority"]?.stringValue ?? "") ?? .normal,
            attempts: json["attempts"]?.intValue ?? 0, maxAttempts: json["maxAttempts"]?.intValue ?? 1,
            progress: json["progress"]?.doubleValue ?? 0, stage: json["stage"]?.stringValue,
            createdAt: created, startedAt: time(json["startedAt"]), finishedAt: time(json["finishedAt"]), notBefore: created,
            params: json["params"]?.objectValue ?? [:], inputKey: inputKey, resultText: result, error: error, outputs: outputs,
            webhookURL: nil, instance: nil
        )
    }

    /// Milliseconds since the epoch of an ISO-8601 time.
    static func time(_ value: JSONValue?) -> Int64? {
        guard let text = value?.stringValue else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}

extension ContainerOrchestrator {
    /// Inserts a restored job as a historical row unless a job of its id exists; true when inserted.
    /// A restored job that was not finished comes back cancelled: it never runs again.
    func importJob(_ job: JobRecord) throws -> Bool {
        guard try store.job(job.id) == nil else { return false }
        let status: JobStatus = job.status.isTerminal ? job.status : .cancelled
        _ = try store.sql.exec(
            """
            INSERT OR IGNORE INTO jobs (id, owner, type, status, priority, attempts, max_attempts, progress, stage, created_at, started_at,
                finished_at, not_before, params, input_key, result, error_code, error_message, outputs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            bindings: [
                .text(job.id), .text(job.owner), .text(job.type), .text(status.rawValue), .integer(Int64(job.priority.rank)),
                .integer(Int64(job.attempts)), .integer(Int64(job.maxAttempts)), .real(job.progress), job.stage.map { .text($0) } ?? .null,
                .integer(job.createdAt), job.startedAt.map { .integer($0) } ?? .null, .integer(job.finishedAt ?? job.createdAt),
                .integer(job.notBefore), .text(JSONValue.object(job.params).serialized()), job.inputKey.map { .text($0) } ?? .null,
                job.resultText.map { .text($0) } ?? .null, job.error.map { .text($0.code) } ?? .null, job.error.map { .text($0.message) } ?? .null,
                .text(JSONValue.array(job.outputs.map(\.stored)).serialized()),
            ]
        )
        return true
    }
}
