public import Outpost
import BackupServiceDescriptor
import Foundation
import ServiceDescriptors

/// Everything the platform holds for one user, listed in one place: what an export streams to the
/// backup-service (`.userDataset`) and what erasure removes. Nothing is read all at once: jobs
/// come in pages from the orchestrator, keys and objects in list pages.
///
/// What belongs to a user (`userId`, the caller id jobs and uploads are owned by):
/// - **jobs**: every row of the orchestrator's jobs table whose `owner` is the user, newest first;
/// - **KV entries**: `job:<id>` in `JOB_STATUS_KV` for each of those jobs (the status cache). No
///   other namespace holds per-user entries: `AUTH_KV` holds API keys (listed as keys, below, and
///   never exported as entries: their KV key is the key's hash), and `TEMPLATES_KV` records no owner;
/// - **API keys**: `AUTH_KV` records (`apikey:<sha256>`) whose `name` is the user (keys created with
///   `outpost keys create`; keys in the `API_KEYS` secret are configuration, not stored data);
/// - **objects** in the MEDIA bucket: uploads under `uploads/<user>/` whose `owner` metadata is the
///   user, and each of the user's jobs' outputs (`outputs/<job>/…`). An upload stored before the
///   upload route recorded `owner` (no `owner` metadata) is the user's by its key alone, when the
///   prefix names exactly this id (``ownsLegacyUploads(_:)``).
public enum UserDataset {
    /// Jobs read from the orchestrator per call.
    public static let pageSize = 500

    /// One thing the user owns.
    public enum Item: Sendable {
        case job(JobRecord)
        /// An API key's record; `storageKey` is its `AUTH_KV` key (for erasure; never exported).
        case apiKey(APIKeyMetadata, storageKey: String)
        case kvEntry(namespace: String, key: String)
        /// An object of the MEDIA bucket: an upload, or the output of `job`.
        case object(R2Object, job: String?)
        /// A record of another store, exported as the file `path`: a code deployment with its
        /// versions, a stored pitch with its embedding.
        case record(path: String, value: JSONValue)
    }

    /// What an export says of an API key: never its hash or secret.
    public struct APIKeyMetadata: Sendable, Equatable {
        public var name: String
        public var role: String
        public var createdAt: Int
    }

    /// The prefix of the MEDIA keys of `userId`'s uploads (`POST /api/containers/uploads` stores
    /// under it): the id kept to letters, digits, `.`, `-` and `_`.
    public static func uploadsPrefix(_ userId: String) -> String {
        let cleaned = String(userId.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) ? Character($0) : "_"
        })
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return "uploads/" + (trimmed.isEmpty ? "upload" : String(trimmed.prefix(200))) + "/"
    }

    /// Whether uploads under `userId`'s prefix that record no `owner` (stored before the upload
    /// route recorded one) are the user's: when the prefix is the id itself (`uploads/<id>/`), so
    /// no other id the key could stand for is exactly this prefix. Of two ids that clean to one
    /// prefix (`al ice`, `al_ice`), only the one spelled like the prefix gets them.
    public static func ownsLegacyUploads(_ userId: String) -> Bool {
        uploadsPrefix(userId) == "uploads/" + userId + "/"
    }

    /// Calls `body` with each item of `userId`, in this order: jobs with each one's KV entry (newest
    /// first), API keys, records, uploads (key order), then each job's outputs (with `skippingExports`,
    /// not those of earlier exports).
    public static func forEach(userId: String, env: Env, skippingExports: Bool = false, _ body: (Item) async throws -> Void) async throws {
        try await forEachJob(userId: userId, env: env) { job in
            try await body(.job(job))
            try await body(.kvEntry(namespace: PlatformBindings.jobStatus, key: JobRecord.cacheKey(job.id)))
        }
        try await forEachAPIKey(userId: userId, env: env) { try await body(.apiKey($0, storageKey: $1)) }
        try await forEachRecord(userId: userId, env: env) { try await body(.record(path: $0, value: $1)) }
        try await forEachUpload(userId: userId, env: env) { try await body(.object($0, job: nil)) }
        let media = try env.r2(PlatformBindings.media)
        try await forEachJob(userId: userId, env: env) { job in
            // An earlier export's ZIP holds copies of the rest: in the next export, each would
            // hold all the earlier ones (its job record is still there).
            if skippingExports, job.type == exportJobType { return }
            for output in job.outputs {
                guard let object = try await media.head(output.key) else { continue }
                try await body(.object(object, job: job.id))
            }
        }
    }

    /// Whether the platform holds anything of `userId`: a job, an API key or an upload.
    public static func exists(userId: String, env: Env) async throws -> Bool {
        struct Found: Error {}
        do {
            try await forEachJob(userId: userId, env: env, limit: 1) { _ in throw Found() }
            try await forEachUpload(userId: userId, env: env) { _ in throw Found() }
            try await forEachAPIKey(userId: userId, env: env) { _, _ in throw Found() }
        } catch is Found {
            return true
        }
        return false
    }

    /// The user's jobs, newest first, a page at a time (`limit` stops after that many).
    public static func forEachJob(userId: String, env: Env, limit: Int = .max, _ body: (JobRecord) async throws -> Void) async throws {
        let orchestrator = try PlatformBindings.orchestrator(env)
        var cursor: Int64?
        var seen = 0
        while seen < limit {
            let before = cursor
            let page = try await orchestrator.call(ContainerOrchestrator.self) { o in
                try await o.userJobs(userId, before: before, limit: pageSize)
            }
            for job in page where seen < limit {
                seen += 1
                try await body(job)
            }
            guard page.count == pageSize, let last = page.last?.seq else { return }
            cursor = last
        }
    }

    /// The user's uploads, in key order.
    public static func forEachUpload(userId: String, env: Env, _ body: (R2Object) async throws -> Void) async throws {
        let media = try env.r2(PlatformBindings.media)
        let legacy = ownsLegacyUploads(userId)
        var cursor: String?
        repeat {
            let page = try await media.list(R2ListOptions(prefix: uploadsPrefix(userId), cursor: cursor, include: [.customMetadata, .httpMetadata]))
            // Two ids can clean to one prefix: the owner recorded at upload decides; an upload
            // without one (stored before owners were recorded) is the exact id's.
            for object in page.objects where object.customMetadata["owner"] == userId || (object.customMetadata["owner"] == nil && legacy) {
                try await body(object)
            }
            cursor = page.truncated ? page.cursor : nil
        } while cursor != nil
    }

    /// The user's API key records in `AUTH_KV` (none without the binding).
    public static func forEachAPIKey(userId: String, env: Env, _ body: (APIKeyMetadata, String) async throws -> Void) async throws {
        guard let kv = try? env.kv(authBinding) else { return }
        var cursor: String?
        repeat {
            let page = try await kv.list(KVListOptions(prefix: "apikey:", cursor: cursor))
            for key in page.keys {
                guard let record = try await kv.getJSON(key.name), record["name"]?.stringValue == userId else { continue }
                let metadata = APIKeyMetadata(name: userId, role: record["role"]?.stringValue ?? "",
                                              createdAt: record["createdAt"]?.intValue ?? 0)
                try await body(metadata, key.name)
            }
            cursor = page.listComplete ? nil : page.cursor
        } while cursor != nil
    }

    /// The user's code deployments (`deployments/<name>.json`: every kept version) and stored
    /// pitches (`pitches/<job>.json`: title, time and embedding), a page of pitches at a time.
    public static func forEachRecord(userId: String, env: Env, _ body: (String, JSONValue) async throws -> Void) async throws {
        let deployments = try CodeDeployments.stub(env)
        let names = try await deployments.call(CodeDeployments.self) { d in try await d.list(owner: userId).map(\.latest.name) }
        for name in names {
            let versions = try await deployments.call(CodeDeployments.self) { d in try await d.versions(owner: userId, name: name) }
            try await body("deployments/\(name).json", .array(versions.map { version in
                .object(["name": .string(version.name), "version": .number(Double(version.version)),
                         "createdAt": .string(PlatformTime.iso8601(version.createdAt)), "settings": .object(version.settings)])
            }))
        }
        let index = try PitchIndex.stub(env)
        var after: Int64 = 0
        while true {
            let from = after
            let page = try await index.call(PitchIndex.self) { i in try await i.pitches(owner: userId, after: from, limit: pageSize) }
            for (_, pitch) in page {
                try await body("pitches/\(pitch.jobId).json", .object([
                    "jobId": .string(pitch.jobId), "title": .string(pitch.title), "createdAt": .string(PlatformTime.iso8601(pitch.createdAt)),
                    "embedding": .array(pitch.vector.map { .number(Double($0)) }),
                ]))
            }
            guard page.count == pageSize, let last = page.last?.seq else { return }
            after = last
        }
    }

    /// The job type of an export (`backup-user-data`), whose outputs an export leaves out.
    static let exportJobType = BackupServiceDescriptor.service.apiName + "." + BackupServiceDescriptor.exportOperation

    /// The KV namespace of API keys.
    public static let authBinding = "AUTH_KV"
}

extension ContainerOrchestrator {
    /// A page of `owner`'s jobs, newest first, before job `seq` (nil: from the newest).
    func userJobs(_ owner: String, before seq: Int64?, limit: Int) throws -> [JobRecord] {
        try store.list(owner: owner, status: nil, type: nil, before: seq, limit: limit)
    }
}
