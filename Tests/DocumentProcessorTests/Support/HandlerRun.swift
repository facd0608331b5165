import DocumentProcessing
import Foundation
import OutpostTesting
import Logging
import NIOPosix
import ServiceKit

/// Runs one job through ``DocumentJobHandler`` in-process, as ServiceKit would: the descriptor's
/// parameter check, the handler's own check, then the job on a started thread pool.
enum HandlerRun {
    static func run(_ operation: String, _ parameters: [String: JSONValue], inputPath: String? = nil,
                    attachments: [String: [String]] = [:]) async throws -> JobResult {
        let handler = DocumentJobHandler()
        let parameters = JobParameters(parameters)
        if let spec = handler.descriptor?.operation(operation) {
            do { try spec.validate(parameters.values) } catch { throw ServiceError.invalidParameter(error.name, error.message) }
        }
        try handler.validate(operation: operation, parameters: parameters)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let size = inputPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int64 } ?? 0
        let job = Job(id: "test-\(UUID().uuidString.prefix(6))", operation: operation, parameters: parameters, inputPath: inputPath, inputSize: size,
                      attachments: attachments)
        let context = JobContext(jobId: job.id, logger: Logger(label: "document-test"), pool: pool)
        let result: Result<JobResult, any Error>
        do { result = .success(try await handler.run(job, context: context)) } catch { result = .failure(error) }
        try? await pool.shutdownGracefully()
        return try result.get()
    }

    /// The single file a job returned.
    static func file(_ result: JobResult) throws -> JobOutputFile {
        guard case .file(let file) = result else { throw TestFailure("expected one output file, got \(result)") }
        return file
    }

    /// The JSON result of a job, as Foundation objects.
    static func json(_ result: JobResult) throws -> [String: Any] {
        guard case .json(let value) = result else { throw TestFailure("expected a JSON result, got \(result)") }
        let data = try JSONEncoder().encode(value)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("not an object") }
        return object
    }

    /// The `ServiceError` a job threw, or nil if it succeeded.
    static func error(_ operation: String, _ parameters: [String: JSONValue], inputPath: String? = nil,
                      attachments: [String: [String]] = [:]) async -> ServiceError? {
        do {
            _ = try await run(operation, parameters, inputPath: inputPath, attachments: attachments)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError.internalError("unexpected \(error)")
        }
    }
}
