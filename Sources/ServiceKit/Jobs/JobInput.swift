import HTTPTypes
import Hummingbird
import NIOCore

/// A job's input as a stream: the request body handed to the handler as it arrives, for an
/// operation whose descriptor declares a streamed input (``InputKind/isStreamed``: the platform's
/// user datasets). Nothing is spooled to scratch; at most a few MiB wait in memory, and the
/// sender is held back (back-pressure) until the handler reads on.
///
/// Read it from a job thread (``JobContext/runBlocking(_:)``): ``read(upTo:)`` blocks until bytes
/// come. One reader, front to back.
public final class JobInput: Sendable {
    let pipe: BytePipe
    private let cancellation: JobCancellation

    init(pipe: BytePipe = BytePipe(), cancellation: JobCancellation) {
        self.pipe = pipe
        self.cancellation = cancellation
    }

    /// Up to `count` bytes of the input, waiting until some arrive; empty at its end. Throws when
    /// the body was cut off (the sender went away) or the job was cancelled.
    public func read(upTo count: Int) throws -> [UInt8] {
        try pipe.take(upTo: count) { cancellation.isCancelled }
    }

    /// Every byte received so far.
    public var bytesReceived: Int64 { pipe.total }

    /// Feeds the pipe from `body` until it ends or the job stops reading (``stopReading()``).
    func feed(_ body: RequestBody) async {
        do {
            for try await chunk in body {
                guard await pipe.put(Array(chunk.readableBytesView)) else { return }
            }
            pipe.finish()
        } catch {
            pipe.finish(error: ServiceError(statusCode: 400, code: "input_cut_off", message: "The input stream was cut off after \(pipe.total) bytes: \(error)"))
        }
    }

    /// The job is done with its input: the feeding stops, whatever is left unread.
    func stopReading() {
        pipe.close()
    }
}
