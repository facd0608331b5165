public import ServiceDescriptors

/// The `backup-service`, as the platform and the service both know it: a user's data as one ZIP
/// (GDPR export, Art. 15/20), built from the `.userDataset` the orchestrator streams, and the
/// restore of such a ZIP into a user id, checked against its manifest before anything is imported,
/// and erasure (Art. 17): the service lists what the user has as the receipt, and the platform
/// removes it (`UserErasure`) before the job shows succeeded.
public enum BackupServiceDescriptor {
    /// The export's content type and key extension.
    public static let zip = OutputType("application/zip", fileExtension: ".zip")
    /// The name of the export's one output.
    public static let exportOutput = "export"
    /// The operations' names.
    public static let exportOperation = "backup-user-data"
    public static let restoreOperation = "restore-user-data"
    public static let eraseOperation = "delete-user-data"
    /// The version `manifest.json` states as `formatVersion`.
    public static let formatVersion = 1

    public static let service = ServiceDescriptor(
        image: "backup-service",
        containerClass: "BackupService",
        binding: "BACKUP_SERVICE",
        apiName: "backup",
        containerPath: "backup-service",
        instanceType: "standard-1",
        jobsPerInstance: 2,
        maxAttempts: 2,
        operations: [
            OperationDescriptor(
                name: exportOperation,
                summary: "A user's data as one ZIP (GDPR export): manifest.json (every other file with its size and SHA-256), jobs/<id>.json (full records), uploads/… and outputs/<job>/… (the bytes), api-keys.json (names, roles, dates; never hashes), kv/<namespace>/<key> entries. The caller's own, or any user's for an admin.",
                input: .userDataset,
                parameters: [
                    ParameterSpec("userId", .text(maxBytes: 200), summary: "Whose data: default the caller; another user's only for an admin (403 otherwise; 404 for a user with no jobs, keys or uploads)."),
                ],
                userParameter: "userId",
                timeoutSeconds: 3600,
                outputs: [zip]
            ),
            OperationDescriptor(
                name: eraseOperation,
                summary: "Erases a user's data (GDPR Art. 17), with \"confirm\": true: their uploads and job outputs, cached job statuses, API keys, stored pitches and embeddings, and code deployments are removed; their jobs stay only as anonymous rows (type, status, times, attempts, error code: what reports count). The result is the receipt: every removed upload and output by key and size, the API keys by role and date, and counts. The caller's own data, or any user's for an admin.",
                input: .userListing,
                parameters: [
                    ParameterSpec("userId", .text(maxBytes: 200), summary: "Whose data: default the caller; another user's only for an admin (403 otherwise; 404 for a user with no jobs, keys or uploads)."),
                    ParameterSpec("confirm", .boolean, required: true, summary: "Must be true: an erasure cannot be undone."),
                ],
                rules: [.confirmed("confirm", what: "an erasure")],
                userParameter: "userId",
                timeoutSeconds: 3600,
                outputs: []
            ),
            OperationDescriptor(
                name: restoreOperation,
                summary: "Imports an export ZIP (its R2 key, `key`) into a user id: every file's SHA-256 and the manifest's list are checked first (422 and nothing imported when they disagree); then the uploads, job outputs and job records come back owned by the target user. API keys are listed as not restored (no secrets are exported).",
                input: .media,
                parameters: [
                    ParameterSpec("targetUserId", .text(maxBytes: 200), summary: "The user the data is imported into: default the caller; another user only for an admin."),
                ],
                userParameter: "targetUserId",
                // Verified as it passes (ZipStreamReader): no copy of the ZIP in scratch.
                streamsInput: true,
                timeoutSeconds: 3600,
                outputs: []
            ),
        ]
    )
}
