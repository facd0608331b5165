import Foundation

/// A bounded buffer of bytes between one producer and one consumer, either side blocking (a job
/// thread) or async (a request or response body): what ``JobInput`` and ``JobOutputWriter`` are
/// made of. At most `capacity` bytes wait in it; a producer that would pass that waits until the
/// consumer has taken some (back-pressure), so memory stays bounded whatever the stream's length.
///
/// The producer ends the stream with ``finish(error:)``; the consumer says it is gone with
/// ``close()``, after which puts fail (`false`) and waiting ends on both sides.
// @unchecked Sendable: every field is guarded by `condition`.
final class BytePipe: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?
    private var closed = false
    /// An async producer waiting for room, or an async consumer waiting for bytes.
    private var waitingProducer: CheckedContinuation<Void, Never>?
    private var waitingConsumer: CheckedContinuation<Void, Never>?
    /// Every byte put so far.
    private(set) var total: Int64 = 0

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
    }

    // MARK: producer

    /// Appends `bytes`, blocking while the pipe is full. False once the consumer is gone, or
    /// when `shouldStop` turns true while it waits (checked every half second).
    func put(_ bytes: UnsafeRawBufferPointer, shouldStop: () -> Bool = { false }) -> Bool {
        guard bytes.count > 0 else { return true }
        condition.lock()
        defer { condition.unlock() }
        while !closed, buffered >= capacity {
            if shouldStop() { return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.5))
        }
        guard !closed else { return false }
        append(Array(bytes))
        return true
    }

    /// Appends `bytes`, suspending while the pipe is full. False once the consumer is gone.
    func put(_ bytes: [UInt8]) async -> Bool {
        guard !bytes.isEmpty else { return true }
        while true {
            let ready: Bool = condition.withLock { closed || buffered < capacity }
            if ready { break }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if closed || buffered < capacity {
                    condition.unlock()
                    continuation.resume()
                } else {
                    waitingProducer = continuation
                    condition.unlock()
                }
            }
        }
        return condition.withLock {
            guard !closed else { return false }
            append(bytes)
            return true
        }
    }

    /// Ends the stream: the consumer reads what is buffered, then the end (or `error`).
    func finish(error: (any Error)? = nil) {
        condition.withLock {
            guard !finished else { return }
            finished = true
            failure = error
            wakeConsumer()
        }
    }

    // MARK: consumer

    /// Up to `limit` bytes, blocking until some are there; empty at the end. Throws the
    /// producer's error, or `ServiceError` when `shouldStop` turns true while it waits.
    func take(upTo limit: Int, shouldStop: () -> Bool = { false }) throws -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count == head, !finished {
            if shouldStop() { throw ServiceError(statusCode: 499, code: "cancelled", message: "The job was cancelled while it waited for its input.") }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.5))
        }
        return try removeFirst(limit)
    }

    /// The next bytes, suspending until some are there; nil at the end. Throws the producer's error.
    func take() async throws -> [UInt8]? {
        while true {
            let ready: Bool = condition.withLock { chunks.count > head || finished }
            if ready { break }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if chunks.count > head || finished {
                    condition.unlock()
                    continuation.resume()
                } else {
                    waitingConsumer = continuation
                    condition.unlock()
                }
            }
        }
        let bytes = try condition.withLock { try removeFirst(.max) }
        return bytes.isEmpty ? nil : bytes
    }

    /// The consumer is gone: puts fail from now on, and a waiting producer wakes.
    func close() {
        condition.withLock {
            closed = true
            chunks = []
            head = 0
            buffered = 0
            wakeProducer()
        }
    }

    // MARK: under the lock

    private func append(_ bytes: [UInt8]) {
        chunks.append(bytes)
        buffered += bytes.count
        total += Int64(bytes.count)
        wakeConsumer()
    }

    private func removeFirst(_ limit: Int) throws -> [UInt8] {
        guard chunks.count > head else {
            if let failure { throw failure }
            return []
        }
        var bytes = chunks[head]
        if bytes.count > limit {
            chunks[head] = Array(bytes[limit...])
            bytes = Array(bytes[..<limit])
        } else {
            head += 1
            if head > 64 {
                chunks.removeFirst(head)
                head = 0
            }
        }
        buffered -= bytes.count
        if buffered < capacity { wakeProducer() }
        return bytes
    }

    private func wakeConsumer() {
        condition.broadcast()
        waitingConsumer?.resume()
        waitingConsumer = nil
    }

    private func wakeProducer() {
        condition.broadcast()
        waitingProducer?.resume()
        waitingProducer = nil
    }
}
