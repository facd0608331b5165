import NIOConcurrencyHelpers
import NIOCore

/// The client's side of a tunnel through the HTTP front: the bytes a client sends after a 101,
/// as the body of the upgrade request the Worker sees.
///
/// The Worker runs (and the container answers 101) before the front has switched the connection,
/// so the body waits until `attach` hands it the connection's inbound bytes; `attach(nil)` (the
/// upgrade was refused, or the connection failed) makes it empty.
final class TunnelClientBytes: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private enum State {
        case waiting([CheckedContinuation<NIOAsyncChannelInboundStream<ByteBuffer>?, Never>])
        case attached(NIOAsyncChannelInboundStream<ByteBuffer>?)
    }

    private let state = NIOLockedValueBox(State.waiting([]))

    /// Hands over the connection's inbound bytes (nil: there will be none). Later calls do nothing.
    func attach(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>?) {
        let waiters: [CheckedContinuation<NIOAsyncChannelInboundStream<ByteBuffer>?, Never>] = state.withLockedValue {
            guard case .waiting(let waiters) = $0 else { return [] }
            $0 = .attached(inbound)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: inbound) }
    }

    private func inbound() async -> NIOAsyncChannelInboundStream<ByteBuffer>? {
        await withCheckedContinuation { continuation in
            let ready: NIOAsyncChannelInboundStream<ByteBuffer>?? = state.withLockedValue {
                switch $0 {
                case .attached(let inbound): return .some(inbound)
                case .waiting(var waiters):
                    waiters.append(continuation)
                    $0 = .waiting(waiters)
                    return .none
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: TunnelClientBytes
        var started = false
        var inner: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator?

        mutating func next() async throws -> ByteBuffer? {
            if !started {
                started = true
                inner = await source.inbound()?.makeAsyncIterator()
            }
            return try await inner?.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}
