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

/// Owns the connection while a response body streams; gives it back (or closes it) exactly once.
/// @unchecked Sendable: `done` is guarded by `lock`; `next()` is driven by the body's single consumer.
final class ProxyResponseReader: @unchecked Sendable {
    private let connection: HTTPConnection
    private let pool: ContainerConnectionPool
    private let keepAlive: Bool
    private let token: ActivityToken
    private let lock = NIOLock()
    private var done = false

    init(connection: HTTPConnection, pool: ContainerConnectionPool, keepAlive: Bool, token: ActivityToken) {
        self.connection = connection
        self.pool = pool
        self.keepAlive = keepAlive
        self.token = token
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
                    throw ContainerError(.connectionLost, "The container closed the connection in the middle of the response.")
                }
                switch part {
                case .body(let buffer):
                    if buffer.readableBytes > 0 { return buffer }
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
        pool.release(connection, reusable: reusable)
        token.release()
    }

    /// An abandoned body (client abort) closes the connection and releases the activity.
    deinit { finish(reusable: false) }
}
