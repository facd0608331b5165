import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The response parts of one connection, queued for a single consumer.
/// @unchecked Sendable: every field is guarded by `lock`; `channel` is set once before first use.
final class ResponsePartStream: @unchecked Sendable {
    private let lock = NIOLock()
    private var buffer: [HTTPClientResponsePart] = []
    private var bufferStart = 0
    private var waiter: CheckedContinuation<HTTPClientResponsePart?, any Error>?
    private var failure: (any Error)?
    private var finished = false
    private var readPending = false
    private var channel: (any Channel)?

    func attach(_ channel: any Channel) { lock.withLock { self.channel = channel } }

    var isFinished: Bool { lock.withLock { finished } }

    /// The next part; nil once the connection closed.
    func next() async throws -> HTTPClientResponsePart? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPClientResponsePart?, any Error>) in
            enum Outcome { case part(HTTPClientResponsePart), end, fail(any Error), wait(read: (any Channel)?) }
            let outcome: Outcome = lock.withLock {
                if bufferStart < buffer.count {
                    let part = buffer[bufferStart]
                    bufferStart += 1
                    if bufferStart == buffer.count { buffer.removeAll(keepingCapacity: true); bufferStart = 0 }
                    return .part(part)
                }
                if let failure { return .fail(failure) }
                if finished { return .end }
                waiter = c
                if readPending { return .wait(read: nil) }
                readPending = true
                return .wait(read: channel)
            }
            switch outcome {
            case .part(let p): c.resume(returning: p)
            case .end: c.resume(returning: nil)
            case .fail(let e): c.resume(throwing: e)
            case .wait(let channel): channel?.read()
            }
        }
    }

    func push(_ part: HTTPClientResponsePart) {
        let w: CheckedContinuation<HTTPClientResponsePart?, any Error>? = lock.withLock {
            if let w = waiter {
                waiter = nil
                return w
            }
            buffer.append(part)
            return nil
        }
        w?.resume(returning: part)
    }

    func readComplete() {
        let again: (any Channel)? = lock.withLock {
            readPending = false
            // Someone is still waiting (the read produced nothing they could use): read on.
            if waiter != nil && !finished {
                readPending = true
                return channel
            }
            return nil
        }
        again?.read()
    }

    func finish(_ error: (any Error)?) {
        let w: CheckedContinuation<HTTPClientResponsePart?, any Error>? = lock.withLock {
            if error != nil && failure == nil { failure = error }
            finished = true
            defer { waiter = nil }
            return waiter
        }
        if let error { w?.resume(throwing: error) } else { w?.resume(returning: nil) }
    }
}
