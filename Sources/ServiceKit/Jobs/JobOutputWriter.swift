import Foundation

/// An output a job writes as a stream (a ZIP built front to back), opened with
/// ``JobContext/openOutput(name:contentType:)``.
///
/// Where the platform's runner takes the job's outputs as they come (``JobContext/publishesOutputs``),
/// the bytes go straight to it: the output is announced when it is opened, the runner pulls it
/// (`GET /outputs/{job}/{index}`) while the job writes, and at most a few MiB wait in memory,
/// none in scratch; a write waits while the runner is behind (back-pressure). Elsewhere the bytes
/// go to a file in the outbox, delivered at the end like any file output.
///
/// ``finish(metadata:)`` completes it and gives the ``JobOutputFile`` to return. An output that is
/// not finished (the job failed or threw) is cut off: the runner's read of it fails, so nothing is
/// stored under its name.
// @unchecked Sendable: one job writes it, from one thread at a time.
public final class JobOutputWriter: @unchecked Sendable {
    /// The output's name and media type.
    public let name: String
    public let contentType: String
    private let sink: Sink
    private let cancellation: JobCancellation
    private var written: Int64 = 0
    private var done = false

    enum Sink {
        /// Pulled by the runner as it is written.
        case live(BytePipe, JobResponse.Output)
        /// Kept in a file until the job ends.
        case file(FileHandle, path: String)
    }

    init(name: String, contentType: String, sink: Sink, cancellation: JobCancellation) {
        self.name = name
        self.contentType = contentType
        self.sink = sink
        self.cancellation = cancellation
    }

    /// True when the bytes go to the runner as they are written (nothing kept in scratch).
    public var isLive: Bool { if case .live = sink { true } else { false } }

    /// Bytes written so far.
    public var size: Int64 { written }

    /// Appends bytes; with a live output, waits while the runner is behind. Throws when the
    /// runner has gone, or the job was cancelled.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ServiceError) {
        precondition(!done, "the output \(name) is finished")
        switch sink {
        case .live(let pipe, _):
            guard pipe.put(bytes, shouldStop: { cancellation.isCancelled }) else {
                throw ServiceError(statusCode: 503, code: "output_reader_gone", message: "The runtime stopped reading the output \(name) after \(written) bytes.")
            }
        case .file(let handle, let path):
            do {
                try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count, deallocator: .none))
            } catch {
                throw .internalError("Writing the output \(name) to \(path) failed.", cause: error)
            }
        }
        written += Int64(bytes.count)
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(ServiceError) {
        guard !bytes.isEmpty else { return }
        do {
            try bytes.withUnsafeBytes { try write($0) }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .internalError("Writing the output \(name) failed.", cause: error)
        }
    }

    /// Completes the output; return what this gives as one of the job's outputs.
    public func finish(metadata: (any Encodable & Sendable)? = nil) throws(ServiceError) -> JobOutputFile {
        precondition(!done, "the output \(name) is finished")
        done = true
        switch sink {
        case .live(let pipe, var output):
            pipe.finish()
            output.size = Int(written)
            var file = JobOutputFile(name: name, contentType: contentType, bytes: [], metadata: metadata)
            file.delivered = output
            return file
        case .file(let handle, let path):
            try? handle.close()
            return try JobOutputFile(name: name, contentType: contentType, file: path, metadata: metadata)
        }
    }

    /// Gives the output up: a live one is cut off (the runner stores nothing), a file one deleted.
    public func abort() {
        guard !done else { return }
        done = true
        switch sink {
        case .live(let pipe, _):
            pipe.finish(error: ServiceError(statusCode: 500, code: "output_aborted", message: "The job stopped before its output \(name) was complete."))
        case .file(let handle, let path):
            try? handle.close()
            unlink(path)
        }
    }

    deinit { abort() }
}
