public import Outpost
import Foundation

/// Erasure of a user's data (GDPR Art. 17), the platform's part. The `backup-service`'s
/// `delete-user-data` lists what the user has (``ErasureReceipt``, from the `.userListing` the
/// orchestrator streams); this removes it, before the job shows succeeded: uploads and job outputs
/// in the MEDIA bucket, cached statuses, API keys, stored pitches and code deployments, and it
/// turns the user's jobs into anonymous rows.
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
    /// Where each erasure's receipt is kept in the MEDIA bucket while it runs, by job id: an
    /// attempt after a crash adds to the first attempt's receipt instead of listing only what was
    /// left.
    public static func receiptKey(_ jobId: String) -> String { "receipts/erasure/\(jobId).json" }

    /// What the platform's part removed, counted as it went.
    public struct Removed: Sendable, Equatable {
        public var objects = 0
        public var jobsAnonymized = 0
        public var jobsCancelled = 0
        public var statusEntries = 0
        public var apiKeys = 0
        public var pitches = 0
        public var deploymentVersions = 0

        public var json: JSONValue {
            .object([
                "objects": .number(Double(objects)), "jobsAnonymized": .number(Double(jobsAnonymized)),
                "jobsCancelled": .number(Double(jobsCancelled)), "statusEntries": .number(Double(statusEntries)),
                "apiKeys": .number(Double(apiKeys)), "pitches": .number(Double(pitches)),
                "deploymentVersions": .number(Double(deploymentVersions)),
            ])
        }
    }

    /// Erases `userId`'s platform state; `erasureJob` is the job doing it (kept), `receipt` what
    /// its service listed. Returns the receipt to keep: `receipt` merged into an earlier attempt's,
    /// with `platform`, what this attempt removed.
    public static func erase(userId: String, erasureJob: String, receipt: JSONValue, env: Env) async throws -> JSONValue {
        let media = try env.r2(PlatformBindings.media)
        // The receipt is stored before anything goes, so a later attempt still lists it all.
        var earlier: JSONValue?
        if let stored = try await media.get(receiptKey(erasureJob)) { earlier = try? JSONValue.parse(try await stored.body.bytes()) }
        let kept = merged(earlier, receipt)
        _ = try await media.put(receiptKey(erasureJob), body: Body(kept.serialized()), options: R2PutOptions())

        var removed = Removed()
        // While the jobs still name their owner: their unfinished work, outputs and cached statuses.
        let orchestrator = try PlatformBindings.orchestrator(env)
        removed.jobsCancelled = try await orchestrator.call(ContainerOrchestrator.self) { o in
            try await o.cancelJobs(owner: userId, keeping: erasureJob)
        }
        let status = try env.kv(PlatformBindings.jobStatus)
        try await UserDataset.forEachJob(userId: userId, env: env) { job in
            guard job.id != erasureJob else { return }
            for output in job.outputs {
                try await media.delete(output.key)
                removed.objects += 1
            }
            try await status.delete(JobRecord.cacheKey(job.id))
            removed.statusEntries += 1
        }
        var uploads: [String] = []
        try await UserDataset.forEachUpload(userId: userId, env: env) { uploads.append($0.key) }
        for key in uploads { try await media.delete(key) }
        removed.objects += uploads.count
        var keys: [String] = []
        try await UserDataset.forEachAPIKey(userId: userId, env: env) { _, storageKey in keys.append(storageKey) }
        if !keys.isEmpty {
            let auth = try env.kv(UserDataset.authBinding)
            for key in keys { try await auth.delete(key) }
        }
        removed.apiKeys = keys.count
        removed.pitches = try await PitchIndex.stub(env).call(PitchIndex.self) { index in try await index.erase(owner: userId) }
        removed.deploymentVersions = try await CodeDeployments.stub(env).call(CodeDeployments.self) { deployments in
            try await deployments.erase(owner: userId)
        }
        // Last: the jobs stop naming the user.
        let anonymous = "erased-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        removed.jobsAnonymized = try await orchestrator.call(ContainerOrchestrator.self) { o in
            try await o.anonymizeJobs(owner: userId, keeping: erasureJob, as: anonymous)
        }
        guard case .object(var fields) = kept else { return kept }
        fields["platform"] = removed.json
        return .object(fields)
    }

    /// `now` with the lists of `earlier` (an attempt cut short) joined in, and each count the
    /// larger of the two.
    static func merged(_ earlier: JSONValue?, _ now: JSONValue) -> JSONValue {
        guard case .object(let before)? = earlier, case .object(var after) = now else { return now }
        for (name, value) in before {
            switch (value, after[name]) {
            case (.array(let old), .array(let new)?):
                after[name] = .array(old + new.filter { !old.contains($0) })
            case (.number(let old), .number(let new)?):
                after[name] = .number(max(old, new))
            case (.object, .object?):
                after[name] = merged(value, after[name]!)
            case (_, nil):
                after[name] = value
            default:
                continue
            }
        }
        return .object(after)
    }
}

extension ContainerOrchestrator {
    /// Erasure, first part: cancels `owner`'s queued and running jobs (but `keeping`); returns how many.
    func cancelJobs(owner: String, keeping: String) async throws -> Int {
        var cancelled = 0
        for id in try store.ids(owner: owner) where id != keeping {
            guard try store.job(id)?.status.isTerminal == false else { continue }
            if (try? await cancel(id: id, owner: nil)) != nil { cancelled += 1 }
        }
        return cancelled
    }

    /// Erasure, last part: `owner`'s jobs (but `keeping`) become anonymous rows of `anonymous`.
    /// The KV status cache gets each anonymous row once it is on disk, replacing a state of the
    /// job that may still wait there (the cache writes a quarter second late), so no entry of
    /// the user's can land after its deletion.
    func anonymizeJobs(owner: String, keeping: String, as anonymous: String) throws -> Int {
        let ids = try store.ids(owner: owner).filter { $0 != keeping }
        let count = try store.anonymize(owner: owner, keeping: keeping, as: anonymous)
        let rows = try ids.compactMap { try store.job($0) }
        let (kvCache, state) = (self.kvCache, self.state)
        state.storage.afterDurable {
            for row in rows {
                if let writer = kvCache.add(row) { state.waitUntil(writer) }
            }
        }
        return count
    }
}
