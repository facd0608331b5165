import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A proxied response body: reads parts from the connection until `.end`.
struct ProxyResponseBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let reader: ProxyResponseReader

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: ProxyResponseReader
        mutating func next() async throws -> ByteBuffer? { try await reader.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
}

/// Owns the connection (and the request body still uploading on it) while a response body
/// streams; gives it back (or closes it) exactly once.
/// @unchecked Sendable: `done` is guarded by `lock`; `next()` is driven by the body's single consumer.
final class ProxyResponseReader: @unchecked Sendable {
    private let connection: HTTPConnection
    private let pool: ContainerConnectionPool
    private let keepAlive: Bool
    private let upload: ProxyRequestBody?
    private let token: ActivityToken
    private let upgraded: Bool
    private let onChunk: (@Sendable () -> Void)?
    private let lock = NIOLock()
    private var done = false

    /// - Parameters:
    ///   - upgraded: the connection was switched by a 101: the body is the instance's side of the
    ///     tunnel, which ends when the instance closes the connection.
    ///   - onChunk: called for each chunk read (activity).
    init(connection: HTTPConnection, pool: ContainerConnectionPool, keepAlive: Bool, upload: ProxyRequestBody?, token: ActivityToken,
         upgraded: Bool = false, onChunk: (@Sendable () -> Void)? = nil) {
        self.connection = connection
        self.pool = pool
        self.keepAlive = keepAlive && !upgraded
        self.upload = upload
        self.token = token
        self.upgraded = upgraded
        self.onChunk = onChunk
    }

    func next() async throws -> ByteBuffer? {
        if lock.withLock({ done }) { return nil }
        do {
            while true {
                // A cancelled reader closes the connection: the instance sees its client leave.
                let connection = self.connection
                let next = try await withTaskCancellationHandler {
                    try await connection.parts.next()
                } onCancel: {
                    connection.close()
                }
                guard let part = next else {
                    finish(reusable: false)
                    if upgraded { return nil }
                    throw ContainerError(.connectionLost, "The container closed the connection in the middle of the response.")
                }
                switch part {
                case .body(let buffer):
                    if buffer.readableBytes > 0 {
                        onChunk?()
                        return buffer
                    }
                case .end where upgraded:
                    continue  // the end of the 101 itself; the tunnel's bytes follow
                case .end:
                    finish(reusable: keepAlive)
                    return nil
                case .head:
                    finish(reusable: false)
                    throw ContainerError(.connectionLost, "The container sent a second response head.")
                }
            }
        } catch let error as ContainerError {
            finish(reusable: false)
            throw error
        } catch {
            // A parser error here means the stream was cut (the process died mid-response).
            finish(reusable: false)
            throw ContainerError(.connectionLost, "The container closed the connection in the middle of the response.", cause: "\(error)")
        }
    }

    private func finish(reusable: Bool) {
        let first = lock.withLock {
            defer { done = true }
            return !done
        }
        guard first else { return }
        // A connection with half a request body still on it cannot carry another exchange.
        let uploaded = upload?.isFinished ?? true
        upload?.cancel()
        pool.release(connection, reusable: reusable && uploaded)
        token.release()
    }

    /// An abandoned body (client abort, or the client side of a WebSocket going away) closes the
    /// connection and releases the activity.
    deinit { finish(reusable: false) }
}
