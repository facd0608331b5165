public import OutpostTesting
public import ServiceKit
import Logging

/// A container service's HTTP server running inside the test process on a free port: its real
/// `ContainerService` with the service's `JobHandler`, without a child process.
public final class InProcessService: Sendable {
    public let baseURL: String
    public let scratch: TemporaryDirectory
    private let running: RunningService
    private let task: Task<Void, any Error>

    private init(running: RunningService, scratch: TemporaryDirectory, task: Task<Void, any Error>) {
        self.baseURL = "http://127.0.0.1:\(running.port)"
        self.running = running
        self.scratch = scratch
        self.task = task
    }

    /// Starts `handler`'s service as `name` with `concurrency` jobs at once; returns once it listens.
    public static func start(_ name: String, handler: some JobHandler, concurrency: Int) async throws -> InProcessService {
        let scratch = try TemporaryDirectory(prefix: name + "-tests")
        let configuration = ServiceConfiguration(
            name: name + "-test", port: 0, maxConcurrentJobs: concurrency, scratchDirectory: scratch.path, logLevel: .warning
        )
        let service = ContainerService(configuration: configuration, handler: handler)
        let (started, continuation) = AsyncStream<RunningService>.makeStream()
        let task = Task {
            try await service.run(handleSignals: false) { running in continuation.yield(running) }
        }
        var iterator = started.makeAsyncIterator()
        guard let running = await iterator.next() else { throw TestFailure("\(name) did not start") }
        return InProcessService(running: running, scratch: scratch, task: task)
    }

    /// Shuts the service down gracefully and waits until `run` has returned.
    public func stop() async {
        await running.shutdown()
        _ = await task.result
        scratch.remove()
    }
}
