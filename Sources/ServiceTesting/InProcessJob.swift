public import ServiceKit
import Foundation
import Logging
import NIOPosix

/// Runs one job through a service's `JobHandler` inside the test process, as ServiceKit would: the
/// descriptor's parameter check, the handler's own check, then the job on a started thread pool,
/// with the input and the job's attachments (the files of its other input objects) given as paths.
public enum InProcessJob {
    public static func run(_ handler: some JobHandler, _ operation: String, _ parameters: [String: JSONValue], inputPath: String?,
                           attachments: [String: [String]] = [:], threads: Int = 1) async throws -> JobResult {
        let parameters = JobParameters(parameters)
        if let spec = handler.descriptor?.operation(operation) {
            do { try spec.validate(parameters.values) } catch { throw ServiceError.invalidParameter(error.name, error.message) }
        }
        try handler.validate(operation: operation, parameters: parameters)
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        let size = inputPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int64 } ?? 0
        let job = Job(id: "test-\(UUID().uuidString.prefix(6))", operation: operation, parameters: parameters, inputPath: inputPath, inputSize: size,
                      attachments: attachments)
        let context = JobContext(jobId: job.id, logger: Logger(label: "in-process-job"), pool: pool)
        let result: Result<JobResult, any Error>
        do { result = .success(try await handler.run(job, context: context)) } catch { result = .failure(error) }
        try? await pool.shutdownGracefully()
        return try result.get()
    }

    /// The `ServiceError` a job threw, or nil if it succeeded.
    public static func error(_ handler: some JobHandler, _ operation: String, _ parameters: [String: JSONValue], inputPath: String?,
                             attachments: [String: [String]] = [:], threads: Int = 1) async -> ServiceError? {
        do {
            _ = try await run(handler, operation, parameters, inputPath: inputPath, attachments: attachments, threads: threads)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError.internalError("unexpected \(error)")
        }
    }
}
