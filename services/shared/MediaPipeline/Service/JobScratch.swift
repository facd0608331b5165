import Foundation
package import ServiceKit

/// A job's output directory beside its input scratch file, removed with everything in it when
/// the job ends (whatever the outcome), so a failed or cancelled job leaves nothing behind.
package struct JobScratch: Sendable {
    package let path: String

    package init(beside inputPath: String, jobId: String) throws(ServiceError) {
        let parent = (inputPath as NSString).deletingLastPathComponent
        let safe = ScratchFile.fileName(String(jobId.prefix(24)))
        path = (parent.isEmpty ? "." : parent) + "/out-\(safe)-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .internalError("Could not create the job's scratch directory.", cause: error)
        }
    }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The written files as job outputs: each is moved out of this directory (which is removed
    /// when the job ends) to ServiceKit, which streams it to the runtime, so no output is ever
    /// read into memory here.
    package static func outputs(_ files: [OutputFile], context: JobContext) throws(ServiceError) -> [JobOutputFile] {
        var outputs: [JobOutputFile] = []
        for file in files {
            guard FileManager.default.fileExists(atPath: file.path) else { throw .internalError("The output \(file.name) was not written.") }
            outputs.append(try JobOutputFile(name: file.name, contentType: file.contentType, file: context.adoptOutput(file.path)))
        }
        return outputs
    }
}
