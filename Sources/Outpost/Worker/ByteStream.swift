public import NIOCore
import AsyncAlgorithms
import NIOConcurrencyHelpers

/// A type-erased, read-once stream of byte buffers.
public struct ByteStream: Sendable {
    private let box: Box

    init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == ByteBuffer {
        self.box = Box(SequenceSource(sequence))
    }

    init(producer: BodyWriterTask, channel: AsyncThrowingChannel<ByteBuffer, any Error>) {
        self.box = Box(WriterSource(producer: producer, channel: channel))
    }

    func makeIterator() -> Iterator { Iterator(box: box) }

    /// Iterates the underlying sequence. A second iteration of a consumed stream ends at once.
    public struct Iterator: Sendable {
        let box: Box
        func next() async throws -> ByteBuffer? { try await box.next() }
    }

    /// Owns the source's iterator; `next()` calls come from one consumer at a time.
    /// @unchecked: the iterator is created lazily and only touched under `lock`-guarded handoff
    /// by the single consumer of the body.
    final class Box: @unchecked Sendable {
        private let lock = NIOLock()
        private var source: (any ByteSource)?

        init(_ source: any ByteSource) { self.source = source }

        func next() async throws -> ByteBuffer? {
            let s: (any ByteSource)? = lock.withLock { source }
            guard let s else { return nil }
            let chunk = try await s.next()
            if chunk == nil { lock.withLock { source = nil } }
            return chunk
        }
    }
}

protocol ByteSource: AnyObject {
    func next() async throws -> ByteBuffer?
}

/// @unchecked: one consumer drives `next()` sequentially (read-once body).
final class SequenceSource<S: AsyncSequence & Sendable>: ByteSource, @unchecked Sendable where S.Element == ByteBuffer {
    private var iterator: S.AsyncIterator
    init(_ s: S) { iterator = s.makeAsyncIterator() }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}

/// Runs a body writer the first time the body is read, feeding a backpressured channel.
/// @unchecked: `started` and the iterator are driven by the body's single consumer.
final class WriterSource: ByteSource, @unchecked Sendable {
    private let producer: BodyWriterTask
    private var iterator: AsyncThrowingChannel<ByteBuffer, any Error>.AsyncIterator
    private var started = false

    init(producer: BodyWriterTask, channel: AsyncThrowingChannel<ByteBuffer, any Error>) {
        self.producer = producer
        self.iterator = channel.makeAsyncIterator()
    }

    func next() async throws -> ByteBuffer? {
        if !started {
            started = true
            producer.start()
        }
        return try await iterator.next()
    }

    deinit { producer.cancel() }
}

/// The task behind `Body(writer:)`: started on first read, cancelled when the reader goes away.
final class BodyWriterTask: Sendable {
    private let writer: @Sendable (BodyWriter) async throws -> Void
    private let channel: AsyncThrowingChannel<ByteBuffer, any Error>
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(writer: @escaping @Sendable (BodyWriter) async throws -> Void, channel: AsyncThrowingChannel<ByteBuffer, any Error>) {
        self.writer = writer
        self.channel = channel
    }

    func start() {
        let writer = self.writer
        let channel = self.channel
        let t = Task {
            do {
                try await writer(BodyWriter(channel: channel))
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
        task.withLockedValue { $0 = t }
    }

    func cancel() {
        task.withLockedValue { $0?.cancel() }
        channel.finish()
    }
}
