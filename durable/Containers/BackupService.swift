public import Outpost
public import ServiceDescriptors
import BackupServiceDescriptor

/// The `backup-service`'s container class. Everything about it is in its descriptor; an export's
/// input is the user dataset the orchestrator streams to it (`UserDatasetStream`). A restore the
/// service verified is imported here, before the job shows succeeded (`UserDataImport`).
public actor BackupService: ServiceContainer {
    public static var descriptor: ServiceDescriptor { BackupServiceDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
    }

    public static func jobSucceeded(_ job: JobRecord, operation: OperationDescriptor, result: JSONValue?, env: Env) async -> JSONValue? {
        guard operation.name == BackupServiceDescriptor.restoreOperation, case .object(var fields)? = result, let zipKey = job.inputKey else { return result }
        let target = operation.userParameter.flatMap { job.params[$0]?.stringValue } ?? job.owner
        fields["targetUserId"] = .string(target)
        do {
            fields["imported"] = try await UserDataImport.run(zipKey: zipKey, verified: .object(fields), target: target, env: env).json
        } catch {
            fields["importError"] = .string("The import stopped: \(error). Submitting the restore again finishes it (it is idempotent).")
        }
        return .object(fields)
    }
}
