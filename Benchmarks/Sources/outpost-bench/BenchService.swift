import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ServiceKit
import VideoProcessing

/// The video-processor the benchmark talks to: the real executable as a child process, or the same
/// service in this process when no executable is built.
final class BenchService: Sendable {
    let url: String
    let kind: String
    private let process: Process?
    /// The service's process id (this process when the service runs in-process).
    var pid: Int32 { process?.processIdentifier ?? getpid() }
    private let task: Task<Void, any Error>?
    private let scratch: String

    private init(url: String, kind: String, process: Process?, task: Task<Void, any Error>?, scratch: String) {
        self.url = url
        self.kind = kind
        self.process = process
        self.task = task
        self.scratch = scratch
    }

    static func start(root: String) async throws -> BenchService {
        let scratch = NSTemporaryDirectory() + "outpost-bench-video-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let environment = ProcessInfo.processInfo.environment
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = (exe as NSString).deletingLastPathComponent + "/bench-video-processor"
        let candidates = [environment["VIDEO_PROCESSOR"], sibling, root + "/.build/release/video-processor"]
        if let binary = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.environment = environment.merging(["PORT": "0", "TMPDIR": scratch, "LOG_LEVEL": "info"]) { _, new in new }
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            // The service logs {"message":"listening","port":…} once it accepts connections.
            var buffer = Data()
            var port: Int?
            while port == nil {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw BenchError("video-processor exited before listening") }
                buffer.append(chunk)
                for line in buffer.split(separator: UInt8(ascii: "\n")) {
                    if let record = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        record["message"] as? String == "listening", let text = record["port"] as? String {
                        port = Int(text)
                    }
                }
            }
            // Keep draining stdout so the service never blocks on a full pipe.
            output.fileHandleForReading.readabilityHandler = { handle in if handle.availableData.isEmpty { handle.readabilityHandler = nil } }
            let service = BenchService(url: "http://127.0.0.1:\(port!)", kind: "process \(binary)", process: process, task: nil, scratch: scratch)
            try await service.waitForPing()
            return service
        }
        let configuration = ServiceConfiguration(name: "video-processor", port: 0, maxConcurrentJobs: VideoBench.concurrency, scratchDirectory: scratch)
        let (started, continuation) = AsyncStream<RunningService>.makeStream()
        let task = Task {
            try await ContainerService(configuration: configuration, handler: VideoJobHandler()).run(handleSignals: false) { continuation.yield($0) }
        }
        var iterator = started.makeAsyncIterator()
        guard let port = await iterator.next()?.port else { throw BenchError("in-process service did not start") }
        return BenchService(url: "http://127.0.0.1:\(port)", kind: "in-process", process: nil, task: task, scratch: scratch)
    }

    private func waitForPing() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: url + "/ping")!),
                (response as? HTTPURLResponse)?.statusCode == 200 { return }
            if let process, !process.isRunning { throw BenchError("video-processor exited with \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("video-processor did not answer /ping within 30 s")
    }

    func stop() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        task?.cancel()
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
