import Foundation

/// The bytes of one live stream on their way from its publisher (the ingest route, async) to
/// its transcode (a job thread, blocking reads through ``LiveInput``): a bounded queue, so memory
/// stays flat whatever the publisher sends; a publisher faster than the transcode waits.
///
/// It ends when the publisher's body ends, when no byte came for `stallSeconds` after the
/// first (the stall timeout), when no publisher connected within `waitSeconds`, or when the
/// job is cancelled. One publisher at a time: a second while one is connected is refused.
// @unchecked Sendable: every field is guarded by `condition`.
public final class LiveIngest: @unchecked Sendable {
    /// Why the stream ended.
    public enum Ending: String, Sendable, Codable {
        /// The publisher's request body ended.
        case publisherEnded = "publisher-ended"
        /// No byte came for the stall timeout.
        case stalled
        /// No publisher connected in time.
        case noPublisher = "no-publisher"
        /// The job was cancelled.
        case cancelled
    }

    /// What ``attach()`` answers a publisher.
    public enum Attach: Sendable, Equatable {
        case attached
        /// Another publisher is connected.
        case busy
        /// The stream has ended.
        case ended
    }

    /// Bytes held at most before a publisher waits.
    public static let capacity = 4 << 20

    public let stallSeconds: Double
    public let waitSeconds: Double

    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var offset = 0
    private var held = 0
    private var publisherConnected = false
    private var lastByte: ContinuousClock.Instant?
    private let created = ContinuousClock.now
    private var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    private var endWaiters: [CheckedContinuation<Void, Never>] = []
    private(set) public var ending: Ending?
    private var total: Int64 = 0

    public init(stallSeconds: Double, waitSeconds: Double) {
        self.stallSeconds = stallSeconds
        self.waitSeconds = waitSeconds
    }

    /// Bytes received so far.
    public var bytesReceived: Int64 { condition.withLock { total } }

    /// Takes a publisher: `.busy` while another is connected, `.ended` once the stream ended.
    public func attach() -> Attach {
        condition.withLock {
            if ending != nil { return .ended }
            if publisherConnected { return .busy }
            publisherConnected = true
            lastByte = .now
            condition.broadcast()
            return .attached
        }
    }

    /// Queues a chunk from the attached publisher, waiting while the queue is full. False once
    /// the stream has ended (the publisher should stop).
    public func push(_ bytes: [UInt8]) async -> Bool {
        while true {
            let state: Bool? = condition.withLock {
                if ending != nil { return false }
                if held < Self.capacity {
                    chunks.append(bytes)
                    held += bytes.count
                    total += Int64(bytes.count)
                    lastByte = .now
                    condition.broadcast()
                    return true
                }
                return nil
            }
            if let state { return state }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if held < Self.capacity || ending != nil {
                    condition.unlock()
                    continuation.resume()
                } else {
                    spaceWaiters.append(continuation)
                    condition.unlock()
                }
            }
        }
    }

    /// The publisher's body ended: the transcode reads what is queued, then the end.
    public func publisherFinished() {
        finish(.publisherEnded)
    }

    /// Ends the stream (first reason wins) and wakes everyone waiting.
    public func finish(_ reason: Ending) {
        condition.lock()
        if ending == nil { ending = reason }
        let waiters = spaceWaiters + endWaiters
        spaceWaiters = []
        endWaiters = []
        condition.broadcast()
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the stream has ended (for a publisher whose body stalls).
    public func ended() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if ending != nil {
                condition.unlock()
                continuation.resume()
            } else {
                endWaiters.append(continuation)
                condition.unlock()
            }
        }
    }

    /// Blocks until bytes come (copied into `buffer`, at most `count`), or returns 0 at the end:
    /// queued bytes are read out first; the stall and wait timeouts and `isCancelled` (checked
    /// every 0.2 s) end the stream here.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int, isCancelled: () -> Bool) -> Int {
        condition.lock()
        while chunks.isEmpty {
            if ending != nil {
                condition.unlock()
                return 0
            }
            if isCancelled() {
                condition.unlock()
                finish(.cancelled)
                return 0
            }
            let now = ContinuousClock.now
            let deadline = lastByte.map { $0 + .seconds(stallSeconds) } ?? created + .seconds(waitSeconds)
            if now >= deadline {
                let reason: Ending = lastByte == nil ? .noPublisher : .stalled
                condition.unlock()
                finish(reason)
                return 0
            }
            let wait = min(deadline - now, .milliseconds(200))
            let (seconds, attoseconds) = wait.components
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
        }
        var copied = 0
        while copied < count, !chunks.isEmpty {
            let chunk = chunks[0]
            let n = min(count - copied, chunk.count - offset)
            chunk.withUnsafeBufferPointer { source in
                (buffer + copied).update(from: source.baseAddress! + offset, count: n)
            }
            copied += n
            offset += n
            if offset == chunk.count {
                chunks.removeFirst()
                offset = 0
            }
        }
        held -= copied
        let waiters = held < Self.capacity ? spaceWaiters : []
        if !waiters.isEmpty { spaceWaiters = [] }
        condition.unlock()
        for waiter in waiters { waiter.resume() }
        return copied
    }
}
