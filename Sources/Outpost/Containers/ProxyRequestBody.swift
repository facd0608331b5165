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
///
/// On an upgraded connection (a WebSocket after its 101) the body is the client's side of the
/// tunnel: its bytes go out as they are, each chunk counts as activity, and its end (the client
/// went away) closes the connection, so the instance sees the close too.
final class ProxyRequestBody: Sendable {
    enum Progress: Sendable { case sending, finished, failed }

    private let progress = NIOLockedValueBox(Progress.sending)
    private let connection: HTTPConnection
    private let upgraded: Bool
    private let onChunk: (@Sendable () -> Void)?
    // Set once in `start`, before the instance is shared; cancelled in `cancel`.
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    private init(connection: HTTPConnection, upgraded: Bool, onChunk: (@Sendable () -> Void)?) {
        self.connection = connection
        self.upgraded = upgraded
        self.onChunk = onChunk
    }

    /// Starts sending `body` on `connection`: as an HTTP body after the request head already
    /// written, or, when `upgraded`, as raw bytes on a connection switched by a 101.
    /// - Parameter onChunk: called for each chunk sent (activity).
    static func start(_ body: Body, on connection: HTTPConnection, upgraded: Bool = false,
                      onChunk: (@Sendable () -> Void)? = nil) -> ProxyRequestBody {
        let upload = ProxyRequestBody(connection: connection, upgraded: upgraded, onChunk: onChunk)
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
                if upgraded {
                    try await connection.writeBytes(chunk)
                } else {
                    try await connection.write(.body(.byteBuffer(chunk)), flush: true)
                }
                onChunk?()
            }
            if upgraded {
                // The client's side of the tunnel ended: close the instance's side too.
                connection.close()
            } else {
                try await connection.write(.end(nil), flush: true)
            }
            progress.withLockedValue { if $0 == .sending { $0 = .finished } }
        } catch {
            // The client's body failed or the connection broke: the response cannot complete either.
            progress.withLockedValue { if $0 == .sending { $0 = .failed } }
            connection.close()
        }
    }
}
