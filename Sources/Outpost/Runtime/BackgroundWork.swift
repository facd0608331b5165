public import ServiceLifecycle
import NIOConcurrencyHelpers

/// Runs `waitUntil` work in one task group, so shutdown waits for it instead of abandoning it.
public final class BackgroundWork: Service, Sendable {
    private let stream: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation
    private let pending = NIOLockedValueBox(0)

    public init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    func submit(_ work: @escaping @Sendable () async -> Void) {
        pending.withLockedValue { $0 += 1 }
        continuation.yield { [pending] in
            await work()
            pending.withLockedValue { $0 -= 1 }
        }
    }

    /// How many submitted jobs have not finished.
    public var pendingCount: Int { pending.withLockedValue { $0 } }

    public func run() async {
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await work in stream {
                    group.addTask { await work() }
                }
            } onGracefulShutdown: { [continuation] in
                continuation.finish()
            }
        }
    }

    /// Stops accepting work; `run` returns when what was submitted has finished.
    public func finish() { continuation.finish() }
}
