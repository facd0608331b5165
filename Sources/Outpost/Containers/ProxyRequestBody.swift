import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A proxied request body that streams to the container while its response is read (full duplex),
/// so a large upload is never buffered and a service can answer before the upload ends.
///
/// Each chunk is written and flushed before the next is pulled from the client, so the socket's
/// send buffer is the only buffer. The upload belongs to the exchange: when the response ends
/// first, or is abandoned, the upload is cancelled and the connection closed (it cannot be reused
/// with half a request on it).
final class ProxyRequestBody: Sendable {
    enum Progress: Sendable { case sending, finished, failed }

    private let progress = NIOLockedValueBox(Progress.sending)
    private let connection: HTTPConnection
    // Set once in `start`, before the instance is shared; cancelled in `cancel`.
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    private init(connection: HTTPConnection) { self.connection = connection }

    /// Starts sending `body` (after the request head already written) on `connection`.
    static func start(_ body: Body, on connection: HTTPConnection) -> ProxyRequestBody {
        let upload = ProxyRequestBody(connection: connection)
        let task = Task { [upload] in await upload.send(body) }
        upload.task.withLockedValue { $0 = task }
        return upload
    }

    /// True once every byte and the end of the body were written.
    var isFinished: Bool { progress.withLockedValue { $0 == .finished } }

    /// Stops an unfinished upload and closes its connection.
    func cancel() {
        let unfinished = progress.withLockedValue { p in
            defer { if p == .sending { p = .failed } }
            return p == .sending
        }
        guard unfinished else { return }
        task.withLockedValue { $0 }?.cancel()
        connection.close()
    }

    private func send(_ body: Body) async {
        do {
            for try await chunk in body where chunk.readableBytes > 0 {
                try Task.checkCancellation()
                try await connection.write(.body(.byteBuffer(chunk)), flush: true)
            }
            try await connection.write(.end(nil), flush: true)
            progress.withLockedValue { if $0 == .sending { $0 = .finished } }
        } catch {
            // The client's body failed or the connection broke: the response cannot complete either.
            progress.withLockedValue { if $0 == .sending { $0 = .failed } }
            connection.close()
        }
    }
}
