public import Outpost
import Foundation

/// Erasure of a user's data (GDPR Art. 17), the platform's part: what the `backup-service`
/// cannot reach through R2: job records, cached statuses, API keys, stored pitches and code
/// deployments. It runs once the service has removed the user's uploads and job
/// outputs and stored the receipt (``BackupService``'s `delete-user-data`), before the job shows
/// succeeded.
///
/// Every step is idempotent, and the step that unlinks the jobs from the user comes last, so an
/// attempt cut short (a crash) leaves everything the next attempt needs to find the rest.
///
/// What is kept: each job as an anonymous row (type, status, priority, attempts, times, instance,
/// error code), owned by `erased-<random>`, one such id per erasure, so counts, durations and
/// costs in reports stay right and no row leads back to the user. The erasure job itself keeps
/// its record (its `userId` parameter and the receipt as its result): the proof the erasure was
/// done. API keys given in the `API_KEYS` secret are configuration, not data: they stay until an
/// operator removes them.
public enum UserErasure {
    /// The KV namespace holding API keys created with `outpost keys create` (`apikey:<sha256>` →
    /// `{"name", "role", "createdAt"}`).
    public static let authNamespace = "AUTH_KV"

    /// What the platform's part removed.
    public struct Removed: Sendable, Equatable {
        public var jobsAnonymized: Int
        public var jobsCancelled: Int
        public var statusEntries: Int
        public var apiKeys: [String]
        public var pitches: Int
        public var deploymentVersions: Int

        public var json: JSONValue {
            .object([
                "jobsAnonymized": .number(Double(jobsAnonymized)), "jobsCancelled": .number(Double(jobsCancelled)),
                "statusEntries": .number(Double(statusEntries)), "apiKeys": .array(apiKeys.map { .string($0) }),
                "pitches": .number(Double(pitches)), "deploymentVersions": .number(Double(deploymentVersions)),
            ])
        }
    }

    /// Erases `userId`'s platform state; `erasureJob` is the job doing it (kept).
    public static func erase(userId: String, erasureJob: String, env: Env) async throws -> Removed {
        let orchestrator = try PlatformBindings.orchestrator(env)
        // While the jobs still name their owner: their cached statuses, and their unfinished work.
        let (ids, cancelled) = try await orchestrator.call(ContainerOrchestrator.self) { o in
            try await o.stopJobs(owner: userId, keeping: erasureJob)
        }
        let status = try env.kv(PlatformBindings.jobStatus)
        for id in ids { try await status.delete(JobRecord.cacheKey(id)) }
        let keys = try await apiKeys(of: userId, env: env)
        if !keys.isEmpty {
            let auth = try env.kv(authNamespace)
            for key in keys { try await auth.delete(key) }
        }
        let pitches = try await PitchIndex.stub(env).call(PitchIndex.self) { index in try await index.erase(owner: userId) }
        let versions = try await CodeDeployments.stub(env).call(CodeDeployments.self) { deployments in try await deployments.erase(owner: userId) }
        // Last: the jobs stop naming the user.
        let anonymous = "erased-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let anonymized = try await orchestrator.call(ContainerOrchestrator.self) { o in
            try await o.anonymizeJobs(owner: userId, keeping: erasureJob, as: anonymous)
        }
        return Removed(jobsAnonymized: anonymized, jobsCancelled: cancelled, statusEntries: ids.count, apiKeys: keys, pitches: pitches, deploymentVersions: versions)
    }

    /// The `AUTH_KV` entries (`apikey:<sha256>`) of the keys held by `userId`.
    public static func apiKeys(of userId: String, env: Env) async throws -> [String] {
        guard let auth = try? env.kv(authNamespace) else { return [] }
        var found: [String] = []
        var cursor: String?
        repeat {
            let page = try await auth.list(KVListOptions(prefix: "apikey:", cursor: cursor))
            for key in page.keys where try await auth.getJSON(key.name)?["name"]?.stringValue == userId {
                found.append(key.name)
            }
            cursor = page.listComplete ? nil : page.cursor
        } while cursor != nil
        return found
    }
}

extension ContainerOrchestrator {
    /// Erasure, first part: cancels `owner`'s queued and running jobs (but `keeping`); returns the
    /// ids of all their jobs and how many were cancelled.
    func stopJobs(owner: String, keeping: String) async throws -> (ids: [String], cancelled: Int) {
        let ids = try store.ids(owner: owner).filter { $0 != keeping }
        var cancelled = 0
        for id in ids where try store.job(id)?.status.isTerminal == false {
            if (try? await cancel(id: id, owner: nil)) != nil { cancelled += 1 }
        }
        return (ids, cancelled)
    }

    /// Erasure, last part: `owner`'s jobs (but `keeping`) become anonymous rows of `anonymous`.
    func anonymizeJobs(owner: String, keeping: String, as anonymous: String) throws -> Int {
        try store.anonymize(owner: owner, keeping: keeping, as: anonymous)
    }
}
