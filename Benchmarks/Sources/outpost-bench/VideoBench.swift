import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ServiceKit
import VideoProcessing

/// The video-processor: `analyze` jobs/s calling the library directly against the same jobs over
/// HTTP to the running service (the ratio is the service's overhead), and thumbnail latency.
///
/// The service is a separate process: `VIDEO_PROCESSOR` if set, else `bench-video-processor` built
/// beside this binary (same code, same build configuration), else the root package's release
/// `video-processor`; only when none exists does the same service run in this process.
/// The fixture is `fixtures/sample.mp4` (2 s, 320x240 H.264 + AAC). Override its path with `VIDEO_FIXTURE`.
enum VideoBench {
    static let concurrency = 3

    static func run() async throws {
        FFmpegLog.setLevel(.quiet)
        let environment = ProcessInfo.processInfo.environment
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let fixture = environment["VIDEO_FIXTURE"] ?? root + "/fixtures/sample.mp4"
        let video = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let seconds = Double(environment["BENCH_SECONDS"] ?? "") ?? 3

        let service = try await BenchService.start(root: root)
        defer { service.stop() }
        print("fixture \(fixture) (\(video.count) bytes); service: \(service.kind); \(seconds) s per measurement")

        // analyze: direct vs HTTP, one at a time and `concurrency` at a time. The two alternate in
        // short rounds and each reports its median, so load from elsewhere on the machine hits both alike.
        let rounds = 5
        for workers in [1, concurrency] {
            var direct: [Double] = []
            var http: [Double] = []
            for _ in 0..<rounds {
                direct.append(try await Bench.throughput(workers: workers, seconds: seconds / Double(rounds)) {
                    _ = try MediaAnalyzer.analyze(path: fixture)
                })
                http.append(try await Bench.throughput(workers: workers, seconds: seconds / Double(rounds)) {
                    let (status, _) = try await post(service.url + "/jobs/analyze", video)
                    guard status == 200 else { throw BenchError("analyze over HTTP answered \(status)") }
                })
            }
            let (d, h) = (median(direct), median(http))
            print(String(format: "video.analyze  workers=%d  direct %.1f jobs/s  http %.1f jobs/s  ratio %.2f", workers, d, h, h / d))
        }

        // thumbnail latency (t = 1.3 s, a non-keyframe: seek + decode forward + PNG encode), alternating.
        let request = try ThumbnailRequest(timestamp: 1.3)
        var directLatency: [Double] = []
        var httpLatency: [Double] = []
        for _ in 0..<60 {
            directLatency.append(try await latency { _ = try ThumbnailExtractor.thumbnail(path: fixture, request: request) })
            httpLatency.append(try await latency {
                let (status, _) = try await post(service.url + "/jobs/thumbnail?timestamp=1.3", video)
                guard status == 200 else { throw BenchError("thumbnail over HTTP answered \(status)") }
            })
        }
        print(String(
            format: "video.thumbnail t=1.3 png  direct median %.1f ms (p90 %.1f)  http median %.1f ms (p90 %.1f)",
            median(directLatency), percentile(directLatency, 0.9), median(httpLatency), percentile(httpLatency, 0.9)
        ))
    }

    private static func latency(_ job: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await job()
        return (clock.now - start) / .milliseconds(1)
    }

    private static func median(_ values: [Double]) -> Double { Bench.median(values) }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double { Bench.percentile(values, fraction * 100) }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = concurrency * 6
        return URLSession(configuration: configuration)
    }()

    static func post(_ url: String, _ body: Data) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("video/mp4", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await session.upload(for: request, from: body)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

