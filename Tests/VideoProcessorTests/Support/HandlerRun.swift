import Foundation
import Logging
import NIOPosix
import OutpostTesting
import ServiceKit
import VideoProcessing

/// Runs one job through ``VideoJobHandler`` in-process, as ServiceKit would: the descriptor's
/// parameter check, the handler's own check, then the job on a started thread pool, with the
/// job's attachments (the files of its other input objects) given directly.
enum HandlerRun {
    static func run(_ operation: String, _ parameters: [String: JSONValue], inputPath: String, attachments: [String: [String]] = [:]) async throws -> JobResult {
        let handler = VideoJobHandler()
        let parameters = JobParameters(parameters)
        if let spec = handler.descriptor?.operation(operation) {
            do { try spec.validate(parameters.values) } catch { throw ServiceError.invalidParameter(error.name, error.message) }
        }
        try handler.validate(operation: operation, parameters: parameters)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let size = (try? FileManager.default.attributesOfItem(atPath: inputPath)[.size] as? Int64) ?? 0
        let job = Job(id: "test-\(UUID().uuidString.prefix(6))", operation: operation, parameters: parameters, inputPath: inputPath, inputSize: size,
                      attachments: attachments)
        let context = JobContext(jobId: job.id, logger: Logger(label: "video-test"), pool: pool)
        let result: Result<JobResult, any Error>
        do { result = .success(try await handler.run(job, context: context)) } catch { result = .failure(error) }
        try? await pool.shutdownGracefully()
        return try result.get()
    }

    /// The `ServiceError` a job threw, or nil if it succeeded.
    static func error(_ operation: String, _ parameters: [String: JSONValue], inputPath: String, attachments: [String: [String]] = [:]) async -> ServiceError? {
        do {
            _ = try await run(operation, parameters, inputPath: inputPath, attachments: attachments)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError.internalError("unexpected \(error)")
        }
    }

    /// The output files of a job, written (or moved) to `directory` under their names plus `extension`.
    static func savedFiles(_ result: JobResult, in directory: String, extension ext: String) throws -> [String: String] {
        let files: [JobOutputFile]
        switch result {
        case .file(let file): files = [file]
        case .files(let list, _): files = list
        case .json: throw TestFailure("expected files, got JSON")
        }
        var paths: [String: String] = [:]
        for file in files {
            let path = directory + "/" + file.name + ext
            switch file.content {
            case .bytes(let bytes): try Data(bytes).write(to: URL(fileURLWithPath: path))
            case .file(let source, _): try FileManager.default.moveItem(atPath: source, toPath: path)
            }
            paths[file.name] = path
        }
        return paths
    }
}
