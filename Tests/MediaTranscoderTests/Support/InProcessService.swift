import Foundation
import OutpostTesting
import Logging
import ServiceKit
import MediaTranscoding

/// The media-transcoder's HTTP service running inside the test process on a free port.
final class InProcessService: Sendable {
    let baseURL: String
    let scratch: TemporaryDirectory
    private let running: RunningService
    private let task: Task<Void, any Error>

    private init(running: RunningService, scratch: TemporaryDirectory, task: Task<Void, any Error>) {
        self.baseURL = "http://127.0.0.1:\(running.port)"
        self.running = running
        self.scratch = scratch
        self.task = task
    }

    static func start(concurrency: Int = 4) async throws -> InProcessService {
        let scratch = try TemporaryDirectory()
        let configuration = ServiceConfiguration(
            name: "media-transcoder-test", port: 0, maxConcurrentJobs: concurrency, scratchDirectory: scratch.path, logLevel: .warning
        )
        let service = ContainerService(configuration: configuration, handler: MediaJobHandler())
        let (started, continuation) = AsyncStream<RunningService>.makeStream()
        let task = Task {
            try await service.run(handleSignals: false) { running in continuation.yield(running) }
        }
        var iterator = started.makeAsyncIterator()
        guard let running = await iterator.next() else { throw TestFailure("service did not start") }
        return InProcessService(running: running, scratch: scratch, task: task)
    }

    /// Shuts the service down gracefully and waits until `run` has returned.
    func stop() async {
        await running.shutdown()
        _ = await task.result
        scratch.remove()
    }
}
