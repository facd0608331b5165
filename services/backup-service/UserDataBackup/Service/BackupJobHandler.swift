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
        switch job.operation {
        case BackupServiceDescriptor.exportOperation:
            let dataset = try Self.stream(of: job)
            // The ZIP goes to the platform as it is written (a live output): no copy in scratch.
            let zip = try context.openOutput(name: BackupServiceDescriptor.exportOutput, contentType: BackupServiceDescriptor.zip.contentType)
            context.progress(0, stage: "writing the ZIP")
            let export = UserExport(dataset: dataset, sink: { bytes in try zip.write(bytes) }, expectedUser: try job.parameters.string("userId"),
                                    formatVersion: BackupServiceDescriptor.formatVersion, isCancelled: { context.isCancelled })
            let summary: UserExport.Summary
            do {
                summary = try await context.runBlocking { try export.run() }
            } catch let error as UserDataError {
                zip.abort()
                throw ServiceError.unprocessable(error.description, code: error.code)
            } catch {
                zip.abort()
                throw error
            }
            return .files([try zip.finish()], metadata: summary)
        case BackupServiceDescriptor.eraseOperation:
            context.progress(0, stage: "listing the user's data")
            let receipt = ErasureReceipt(listing: try Self.stream(of: job), jobId: job.id)
            do {
                return .json(try await context.runBlocking { try receipt.run() })
            } catch let error as UserDataError {
                throw ServiceError.unprocessable(error.description, code: error.code)
            }
        case BackupServiceDescriptor.restoreOperation:
            context.progress(0, stage: "verifying the export")
            let verifier = ExportVerifier(zip: try Self.stream(of: job), formatVersion: BackupServiceDescriptor.formatVersion)
            do {
                return .json(try await context.runBlocking { try verifier.run() })
            } catch let error as UserDataError {
                throw ServiceError.unprocessable(error.description, code: error.code)
            }
        default:
            throw ServiceError.badRequest("Unknown operation \(job.operation).", code: "unknown_operation")
        }
    }

    /// The job's user dataset or listing, as the reader takes it: streamed as it arrives (the
    /// descriptor declares these inputs streamed), or a file for a caller that sent one by URL.
    static func stream(of job: Job) throws -> @Sendable (Int) throws -> [UInt8] {
        if let input = job.input {
            return { count in try input.read(upTo: count) }
        }
        guard let path = job.inputPath, let handle = FileHandle(forReadingAtPath: path) else {
            throw ServiceError.badRequest("\(job.operation) needs its input.", code: "missing_input")
        }
        let box = HandleBox(handle)
        return { count in try box.handle.read(upToCount: count).map { [UInt8]($0) } ?? [] }
    }
}

/// A file handle read by one job thread at a time.
private final class HandleBox: @unchecked Sendable {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
    deinit { try? handle.close() }
}
