import DocumentProcessing
import Foundation
import OutpostTesting
import ServiceKit
import ServiceTesting

/// Runs one job through ``DocumentJobHandler`` in-process, as ServiceKit would: the descriptor's
/// parameter check, the handler's own check, then the job on a started thread pool.
enum HandlerRun {
    static func run(_ operation: String, _ parameters: [String: JSONValue], inputPath: String? = nil, attachments: [String: [String]] = [:]) async throws -> JobResult {
        try await InProcessJob.run(DocumentJobHandler(), operation, parameters, inputPath: inputPath, attachments: attachments, threads: 2)
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
    static func error(_ operation: String, _ parameters: [String: JSONValue], inputPath: String? = nil, attachments: [String: [String]] = [:]) async -> ServiceError? {
        await InProcessJob.error(DocumentJobHandler(), operation, parameters, inputPath: inputPath, attachments: attachments, threads: 2)
    }
}

extension HandlerRun {
    /// The files of a job that returned several (or one with the job's metadata), and that metadata as Foundation objects.
    static func files(_ result: JobResult) throws -> (files: [JobOutputFile], metadata: [String: Any]) {
        guard case .files(let files, let metadata) = result, let metadata else { throw TestFailure("expected files with metadata, got \(result)") }
        let data = try JSONEncoder().encode(metadata)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("metadata is not an object") }
        return (files, object)
    }
}
