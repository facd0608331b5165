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
/// Both sides have the same capacity: one instance with three job slots (`max_instances = 1`,
/// `instance_type = "standard-3"`, 2 vCPU) against one service process with three job threads.
/// The like-for-like figure has three clients (one per slot; three requests in flight on both
/// sides). With twelve clients the platform still sends at most three jobs at a time to its
/// instance (its per-instance concurrency), while the service taken directly has twelve requests
/// in flight: that row shows what the limit costs. Targets: whole path ≥ 0.8 × direct (three
/// clients); cold submit → start of work ≤ 100 ms median.
///
/// `BENCH_SECONDS` sets each side's time per client count (default 3); `BENCH_PLATFORM_ONLY=1`
/// skips the direct side (for profiling the runtime with `perf`).
enum PlatformBench {
    static let clients = 3

    static func run() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 3
        var config = try String(contentsOfFile: root + "/wrangler.toml", encoding: .utf8)
        // One instance with the whole machine (standard-3: 2 vCPU), like the process it is compared with;
        // wrangler.toml's standard-1 would cap it at half a core.
        config = config.replacingOccurrences(of: "max_instances = 3", with: "max_instances = 1")
            .replacingOccurrences(of: "instance_type = \"standard-1\"", with: "instance_type = \"standard-3\"")
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

            // Throughput, alternating short rounds of each side: one client per slot (each job
            // waits for its own durable writes), then enough clients to keep every slot busy.
            for clients in [Self.clients, Self.clients * 4] {
                var platform: [Double] = [], direct: [Double] = []
                var platformCPU = 0.0, directCPU = 0.0, platformJobs = 0.0, directJobs = 0.0
                var platformServiceCPU = 0.0, directServiceCPU = 0.0
                let rounds = 5
                for _ in 0..<rounds {
                    let containerPid = try await processor.call(VideoProcessor.self) { await $0.state.container?.process()?.pid }
                    let s0 = containerPid.map(Self.treeCPUSeconds(root:)) ?? 0
                    let c0 = Self.cpuSeconds()
                    platform.append(try await Bench.throughput(workers: clients, seconds: seconds / Double(rounds)) {
                        let r = await t.dispatchFetch("/api/video/analyze?wait=60", method: .post, headers: headers, json: job)
                        guard r.status == .ok else { throw BenchError("platform analyze answered \(r.status)") }
                        _ = try await r.body.bytes()
                    })
                    let c1 = Self.cpuSeconds()
                    platformServiceCPU += (containerPid.map(Self.treeCPUSeconds(root:)) ?? 0) - s0
                    let d0 = Self.cpuSeconds(pid: service.pid)
                    platformCPU += c1 - c0
                    platformJobs += platform.last! * seconds / Double(rounds)
                    if ProcessInfo.processInfo.environment["BENCH_PLATFORM_ONLY"] != nil { direct.append(1); continue }
                    direct.append(try await Bench.throughput(workers: clients, seconds: seconds / Double(rounds)) {
                        let (status, _) = try await VideoBench.post(service.url + "/jobs/analyze", video)
                        guard status == 200 else { throw BenchError("direct analyze answered \(status)") }
                    })
                    directCPU += Self.cpuSeconds() - c1
                    directServiceCPU += Self.cpuSeconds(pid: service.pid) - d0
                    directJobs += direct.last! * seconds / Double(rounds)
                }
                print(String(format: "  CPU of this process (runtime + clients) per job: whole path %.2f ms, direct %.2f ms (clients only)",
                             platformCPU / platformJobs * 1000, directCPU / directJobs * 1000))
                print(String(format: "  CPU of the service process per job: in its container %.2f ms, run directly %.2f ms",
                             platformServiceCPU / platformJobs * 1000, directServiceCPU / directJobs * 1000))
                let recent = try await PlatformBindings.orchestrator(t.env).call(ContainerOrchestrator.self) {
                    try await $0.list(owner: nil, status: .succeeded, type: nil, cursor: nil, limit: 100).jobs
                }
                let queued = recent.compactMap { job in job.startedAt.map { Double($0 - job.createdAt) } }
                let running = recent.compactMap { job in zip2(job.startedAt, job.finishedAt).map { Double($1 - $0) } }
                print(String(format: "  last 100 jobs: queued median %.0f ms, submit→finish in slot median %.0f ms", percentile(queued, 0.5), percentile(running, 0.5)))
                let (p, d) = (percentile(platform, 0.5), percentile(direct, 0.5))
                if clients == Self.clients {
                    print(String(format: "video.analyze jobs/s, %2d clients: whole path %.1f, service directly %.1f, ratio %.2f  [target ≥ 0.8]  %@",
                                 clients, p, d, p / d, p / d >= 0.8 ? "PASS" : "MISS"))
                } else {
                    // The platform keeps at most 3 jobs in flight per instance (the rest wait in the
                    // orchestrator's queue); the service taken directly has all 12 requests in flight
                    // and spools the next inputs while its job threads work. Shown for what the
                    // per-instance limit costs, not as the like-for-like figure.
                    print(String(format: "video.analyze jobs/s, %2d clients: whole path %.1f (3 in flight, the rest queued), service directly %.1f (%d in flight), ratio %.2f  [reference]",
                                 clients, p, d, clients, p / d))
                }
            }
        }
    }

    /// CPU seconds of `root` and every process under it: the container's pid is its launcher
    /// (`outpost-sandbox`), and the service runs below it, in its namespaces.
    static func treeCPUSeconds(root: Int32) -> Double {
        var parent: [Int32: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parent[pid] = ppid }
        }
        func under(_ pid: Int32) -> Bool {
            var p = pid
            for _ in 0..<64 {
                if p == root { return true }
                guard let next = parent[p], next > 0 else { return false }
                p = next
            }
            return false
        }
        return parent.keys.filter(under).reduce(0) { $0 + cpuSeconds(pid: $1) }
    }

    /// User + system CPU seconds of process `pid` so far (all its threads), from /proc.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14 and stime field 15 (1-based).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    static func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    /// The service has the job: it answered (a stage of its own, or an end).
    static func workStarted(_ job: JobRecord) -> Bool {
        job.status.isTerminal || (job.status == .running && job.stage != "starting")
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double { Bench.percentile(values, fraction * 100) }
}
