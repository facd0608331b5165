public import Outpost
public import ServiceDescriptors
import BackupServiceDescriptor

/// The `backup-service`'s container class. Everything about it is in its descriptor; an export's
/// input is the user dataset the orchestrator streams to it (`UserDatasetStream`). A restore the
/// service verified is imported here, and an erasure carried out, before the job shows succeeded.
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

    /// A restore the service verified is imported (`UserDataImport`), an erasure's receipt carried
    /// out (`UserErasure`), before the job shows succeeded. Both are idempotent: when one stops
    /// midway, the attempt fails and the next one finishes it.
    public static func jobSucceeded(_ job: JobRecord, operation: OperationDescriptor, result: JSONValue?, env: Env) async throws -> JSONValue? {
        guard case .object(var fields)? = result else { return result }
        let user = operation.userParameter.flatMap { job.params[$0]?.stringValue } ?? job.owner
        switch operation.name {
        case BackupServiceDescriptor.restoreOperation:
            guard let zipKey = job.inputKey else { return result }
            fields["targetUserId"] = .string(user)
            fields["imported"] = try await UserDataImport.run(zipKey: zipKey, verified: .object(fields), target: user, env: env).json
            return .object(fields)
        case BackupServiceDescriptor.eraseOperation:
            return try await UserErasure.erase(userId: user, erasureJob: job.id, receipt: .object(fields), env: env)
        default:
            return result
        }
    }
}
