import Foundation
package import ServiceKit

/// A job's output directory beside its input scratch file, removed with everything in it when
/// the job ends (whatever the outcome), so a failed or cancelled job leaves nothing behind.
package struct JobScratch: Sendable {
    package let path: String

    package init(beside inputPath: String, jobId: String) throws(ServiceError) {
        let parent = (inputPath as NSString).deletingLastPathComponent
        let safe = String(jobId.prefix(24).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        path = (parent.isEmpty ? "." : parent) + "/out-\(safe)-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .internalError("Could not create the job's scratch directory.", cause: error)
        }
    }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Reads the written files as job outputs. The platform takes outputs inline, so each output
    /// is held in memory once here, at the end of the job (see README: output size).
    package static func outputs(_ files: [OutputFile]) throws(ServiceError) -> [JobOutputFile] {
        var outputs: [JobOutputFile] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw .internalError("The output \(file.name) was not written.")
            }
            outputs.append(JobOutputFile(name: file.name, contentType: file.contentType, bytes: Array(data)))
        }
        return outputs
    }
}
