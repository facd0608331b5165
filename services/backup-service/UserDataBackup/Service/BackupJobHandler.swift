public import ServiceKit
import BackupServiceDescriptor
import Foundation

/// The backup-service's operations for ``ContainerService``:
/// - `backup-user-data` reads the user dataset the orchestrator streamed as the job's input and
///   writes the export ZIP (`UserExport`), the job's one output, `export`;
/// - `delete-user-data` reads the user listing and returns the erasure's receipt
///   (`ErasureReceipt`); the platform then removes what it lists (`UserErasure`);
/// - `restore-user-data` checks an export ZIP against its manifest (`ExportVerifier`) and returns
///   where each file's bytes sit in it, for the platform to import.
public struct BackupJobHandler: JobHandler {
    public init() {}

    public var descriptor: ServiceDescriptor? { BackupServiceDescriptor.service }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        guard let input = job.inputPath else { throw ServiceError.badRequest("\(job.operation) needs its input.", code: "missing_input") }
        switch job.operation {
        case BackupServiceDescriptor.exportOperation:
            let zipPath = NSTemporaryDirectory() + "/export-\(UUID().uuidString).zip"
            context.progress(0, stage: "writing the ZIP")
            let export = UserExport(datasetPath: input, zipPath: zipPath, expectedUser: try job.parameters.string("userId"),
                                    formatVersion: BackupServiceDescriptor.formatVersion, isCancelled: { context.isCancelled })
            let summary: UserExport.Summary
            do {
                summary = try await context.runBlocking { try export.run() }
            } catch let error as UserDataError {
                try? FileManager.default.removeItem(atPath: zipPath)
                throw ServiceError.unprocessable(error.description, code: error.code)
            } catch {
                try? FileManager.default.removeItem(atPath: zipPath)
                throw error
            }
            let file = try JobOutputFile(name: BackupServiceDescriptor.exportOutput, contentType: BackupServiceDescriptor.zip.contentType,
                                         file: try context.adoptOutput(zipPath))
            return .files([file], metadata: summary)
        case BackupServiceDescriptor.eraseOperation:
            context.progress(0, stage: "listing the user's data")
            let receipt = ErasureReceipt(listingPath: input, jobId: job.id)
            do {
                return .json(try await context.runBlocking { try receipt.run() })
            } catch let error as UserDataError {
                throw ServiceError.unprocessable(error.description, code: error.code)
            }
        case BackupServiceDescriptor.restoreOperation:
            context.progress(0, stage: "verifying the export")
            let verifier = ExportVerifier(zipPath: input, formatVersion: BackupServiceDescriptor.formatVersion)
            do {
                return .json(try await context.runBlocking { try verifier.run() })
            } catch let error as UserDataError {
                throw ServiceError.unprocessable(error.description, code: error.code)
            }
        default:
            throw ServiceError.badRequest("Unknown operation \(job.operation).", code: "unknown_operation")
        }
    }
}
