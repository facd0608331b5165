public import Logging
public import NIOPosix
import Foundation

/// What a running job may use: its logger, a progress reporter, and the service's worker
/// threads for blocking work.
public struct JobContext: Sendable {
    /// The job's id.
    public let jobId: String
    /// A logger carrying the job id and operation.
    public let logger: Logger
    let pool: NIOThreadPool
    let onProgress: @Sendable (JobProgress) -> Void
    let cancellation: JobCancellation
    /// Where adopted outputs go; nil in a context a test built (they go to the temporary directory).
    var outbox: JobOutbox?
    /// Where outputs published while the job runs go; nil unless the caller takes them (see ``publish(_:)``).
    var outputStream: JobOutputStream?

    /// Creates a context. Services get these from ``ContainerService``; tests and benchmarks may
    /// build one directly with a started pool.
    public init(jobId: String, logger: Logger, pool: NIOThreadPool, cancellation: JobCancellation = JobCancellation(),
                onProgress: @escaping @Sendable (JobProgress) -> Void = { _ in }) {
        self.jobId = jobId
        self.logger = logger
        self.pool = pool
        self.cancellation = cancellation
        self.onProgress = onProgress
    }

    /// True once the client that asked for the job has gone: long work should check it (e.g.
    /// per decoded packet) and stop.
    public var isCancelled: Bool { cancellation.isCancelled }

    /// Reports progress; cheap enough to call per frame.
    public func progress(_ fraction: Double, stage: String) {
        onProgress(JobProgress(progress: fraction, stage: stage))
    }

    /// Reports progress with the output so far, for an operation that streams text (a generation).
    public func progress(_ fraction: Double, stage: String, text: String) {
        onProgress(JobProgress(progress: fraction, stage: stage, text: text))
    }

    /// Moves a file the job wrote out of its own scratch (which it may then remove) to where
    /// ServiceKit keeps outputs, and returns the new path for ``JobOutputFile/init(name:contentType:file:metadata:)``.
    public func adoptOutput(_ path: String) throws(ServiceError) -> String {
        try (outbox ?? JobOutbox(scratchDirectory: NSTemporaryDirectory() + "/servicekit")).adopt(path, jobId: jobId)
    }

    /// True when outputs handed to ``publish(_:)`` reach the caller before the job ends: the
    /// platform's runner stores them as they come. Elsewhere publishing does nothing, so a job
    /// may skip the work of preparing them.
    public var publishesOutputs: Bool { outputStream != nil }

    /// Hands over an output before the job ends (an HLS segment as it is cut), so the platform
    /// stores it while the job goes on and a player can start early. Publish a file only once
    /// it is complete; it is linked, not moved, and the job still returns it at the end (it is
    /// not sent twice). Content that changes (a playlist that grows) goes as bytes; a later
    /// output of the same name, published or returned, replaces it. Does nothing where
    /// ``publishesOutputs`` is false.
    public func publish(_ output: JobOutputFile) throws(ServiceError) {
        try outputStream?.publish(output)
    }

    /// Opens an output the job writes as a stream (see ``JobOutputWriter``): live to the runtime
    /// where it takes outputs as they come (no scratch), else into a file in the outbox.
    public func openOutput(name: String, contentType: String) throws(ServiceError) -> JobOutputWriter {
        if let outputStream {
            let pipe = BytePipe()
            let output = outputStream.openLive(name: name, contentType: contentType, pipe: pipe)
            return JobOutputWriter(name: name, contentType: contentType, sink: .live(pipe, output), cancellation: cancellation)
        }
        let directory = (outbox ?? JobOutbox(scratchDirectory: NSTemporaryDirectory() + "/servicekit")).directory(for: jobId)
        let path = directory + "/writing-" + UUID().uuidString.prefix(12)
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
              FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .internalError("Cannot create the output \(name) in \(directory).")
        }
        return JobOutputWriter(name: name, contentType: contentType, sink: .file(handle, path: path), cancellation: cancellation)
    }

    /// Runs blocking work (decoding, encoding) on one of the service's job threads, so it never
    /// blocks the event loops or Swift's cooperative pool. The pool has one thread per allowed
    /// concurrent job; further work waits its turn.
    public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
