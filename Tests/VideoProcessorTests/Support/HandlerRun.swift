import Foundation
import OutpostTesting
import ServiceKit
import ServiceTesting
import VideoProcessing

/// Runs one job through ``VideoJobHandler`` in-process, as ServiceKit would: the descriptor's
/// parameter check, the handler's own check, then the job on a started thread pool, with the
/// job's attachments (the files of its other input objects) given directly.
enum HandlerRun {
    static func run(_ operation: String, _ parameters: [String: JSONValue], inputPath: String, attachments: [String: [String]] = [:]) async throws -> JobResult {
        try await InProcessJob.run(VideoJobHandler(), operation, parameters, inputPath: inputPath, attachments: attachments, threads: 1)
    }

    /// The `ServiceError` a job threw, or nil if it succeeded.
    static func error(_ operation: String, _ parameters: [String: JSONValue], inputPath: String, attachments: [String: [String]] = [:]) async -> ServiceError? {
        await InProcessJob.error(VideoJobHandler(), operation, parameters, inputPath: inputPath, attachments: attachments, threads: 1)
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
