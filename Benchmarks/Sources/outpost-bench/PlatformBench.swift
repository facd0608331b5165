import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting

/// The Pitchey platform's whole path: `video.analyze` jobs/s submitted through the Worker
/// (route → orchestrator → scheduler → container → result stored), waited for with `?wait=`,
/// beside the same analysis posted straight to a video-processor process in the same run; and
/// the time from submit to the start of work with a cold container.
///
/// Both sides have the same capacity: one instance with three job slots (`max_instances = 1`)
/// against one service process with three job threads, three clients each.
/// Targets: whole path ≥ 0.8 × direct; cold submit → start of work ≤ 100 ms median.
enum PlatformBench {
    static let clients = 3

    static func run() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 3
        var config = try String(contentsOfFile: root + "/wrangler.toml", encoding: .utf8)
        config = config.replacingOccurrences(of: "max_instances = 3", with: "max_instances = 1")
        let vars = ["API_KEYS": "bench:admin:bench-key", "RATE_LIMIT_PER_MINUTE": "100000000", "RATE_LIMIT_BURST": "1000000"]
        let video = try Data(contentsOf: URL(fileURLWithPath: root + "/fixtures/sample.mp4"))
        let service = try await BenchService.start(root: root)
        defer { service.stop() }
        let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: "bench-key"]

        try await TestRuntime.with(config: config, script: Pitchey.script, vars: vars) { t in
            var uploadHeaders = headers
            uploadHeaders[.contentType] = "video/mp4"
            let uploaded = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: uploadHeaders, body: Body(data: video))
            guard uploaded.status == .created, let key = try await uploaded.json()["key"]?.stringValue else { throw BenchError("upload failed") }
            let job: JSONValue = ["key": .string(key)]
            print("\n## Pitchey platform: video.analyze on fixtures/sample.mp4, \(clients) clients, 1 instance × 3 slots vs 1 service process × 3 threads")

            // Cold submit → start of work: stop the instance, submit, watch for the service's first word.
            let processor = try t.durableObject("VIDEO_PROCESSOR").getByName("video-processor-1")
            var cold: [Double] = []
            for _ in 0..<20 {
                try await processor.call(VideoProcessor.self) { _ = await $0.destroy() }
                let t0 = ContinuousClock.now
                let submitted = await t.dispatchFetch("/api/video/analyze", method: .post, headers: headers, json: job)
                guard submitted.status == .accepted, let id = try await submitted.json()["id"]?.stringValue else { throw BenchError("submit failed") }
                let (first, updates) = try await PlatformBindings.orchestrator(t.env).call(ContainerOrchestrator.self) { try await $0.watch(id: id, owner: nil) }
                var started = Self.workStarted(first)
                if !started, let updates {
                    for await update in updates where Self.workStarted(update) {
                        started = true
                        break
                    }
                }
                cold.append((ContinuousClock.now - t0) / .milliseconds(1))
                while try await PlatformBindings.orchestrator(t.env).call(ContainerOrchestrator.self, { try await $0.job(id: id, owner: nil) }).status.isTerminal == false {
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            print(String(format: "cold submit → start of work (20 cold starts): median %.1f ms, p90 %.1f ms  [target ≤ 100 ms median]  %@",
                         percentile(cold, 0.5), percentile(cold, 0.9), percentile(cold, 0.5) <= 100 ? "PASS" : "MISS"))

            // Throughput, alternating short rounds of each side.
            var platform: [Double] = [], direct: [Double] = []
            let rounds = 5
            for _ in 0..<rounds {
                platform.append(try await throughput(seconds: seconds / Double(rounds)) {
                    let r = await t.dispatchFetch("/api/video/analyze?wait=60", method: .post, headers: headers, json: job)
                    guard r.status == .ok else { throw BenchError("platform analyze answered \(r.status)") }
                    _ = try await r.body.bytes()
                })
                direct.append(try await throughput(seconds: seconds / Double(rounds)) {
                    let (status, _) = try await VideoBench.post(service.url + "/jobs/analyze", video)
                    guard status == 200 else { throw BenchError("direct analyze answered \(status)") }
                })
            }
            let (p, d) = (percentile(platform, 0.5), percentile(direct, 0.5))
            print(String(format: "video.analyze jobs/s: whole path %.1f, service directly %.1f, ratio %.2f  [target ≥ 0.8]  %@",
                         p, d, p / d, p / d >= 0.8 ? "PASS" : "MISS"))
        }
    }

    /// The service has the job: it answered (a stage of its own, or an end).
    static func workStarted(_ job: JobRecord) -> Bool {
        job.status.isTerminal || (job.status == .running && job.stage != "starting")
    }

    static func throughput(seconds: Double, _ job: @escaping @Sendable () async throws -> Void) async throws -> Double {
        for _ in 0..<2 { try await job() }
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var count = 0
                    while clock.now < end {
                        try await job()
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(done) / ((clock.now - start) / .seconds(1))
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
