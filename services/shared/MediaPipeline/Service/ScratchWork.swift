import Foundation
package import ServiceKit

/// What an operation that writes files hands back: its summary (the job's `result`) and files.
package typealias WrittenFiles = (summary: any Encodable & Sendable, files: [OutputFile])

extension JobScratch {
    /// Runs file-writing work in a scratch directory on a job thread and returns its files, then
    /// removes the directory (on every path). One file comes back as `.file` with the summary as
    /// its metadata; several as `.files`.
    package static func run(_ job: Job, context: JobContext, _ body: @escaping @Sendable (String) throws -> WrittenFiles) async throws -> JobResult {
        let scratch = try JobScratch(beside: job.inputPath ?? NSTemporaryDirectory() + "/job", jobId: job.id)
        defer { scratch.remove() }
        let written = try await context.runBlocking { () throws -> Written in
            let result: WrittenFiles
            do { result = try body(scratch.path) } catch let error as MediaError { throw error.serviceError }
            return Written(summary: result.summary, outputs: try JobScratch.outputs(result.files, context: context))
        }
        if written.outputs.count == 1, var file = written.outputs.first {
            file.metadata = written.summary
            return .file(file)
        }
        return .files(written.outputs, metadata: written.summary)
    }

    private struct Written: Sendable {
        var summary: any Encodable & Sendable
        var outputs: [JobOutputFile]
    }
}
