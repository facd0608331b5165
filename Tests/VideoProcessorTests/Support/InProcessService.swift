import Foundation
import Logging
import ServiceKit
import VideoProcessing

/// The video-processor's HTTP service running inside the test process on a free port.
final class InProcessService: Sendable {
    let baseURL: String
    let scratch: TemporaryDirectory
    private let task: Task<Void, any Error>

    private init(baseURL: String, scratch: TemporaryDirectory, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.scratch = scratch
        self.task = task
    }

    static func start(concurrency: Int = 3) async throws -> InProcessService {
        let scratch = try TemporaryDirectory()
        let configuration = ServiceConfiguration(
            name: "video-processor-test", port: 0, maxConcurrentJobs: concurrency, scratchDirectory: scratch.path, logLevel: .warning
        )
        let service = ContainerService(configuration: configuration, handler: VideoJobHandler())
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await service.run(handleSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("service did not start") }
        return InProcessService(baseURL: "http://127.0.0.1:\(port)", scratch: scratch, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        scratch.remove()
    }
}
