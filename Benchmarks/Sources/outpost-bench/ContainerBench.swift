import Foundation
import Logging
import Outpost

/// Container benchmarks: cold start with the full sandbox beside the same starts without it, warm
/// proxy overhead against the port itself (sandboxed and not), idle RSS.
///
/// The baseline runs the same launcher through a link named `outpost-sandbox-no-isolation`: no
/// user, mount or pid isolation (rlimits, cgroups, network namespace and seccomp as before). Only
/// the benchmark makes that link; the runtime cannot ask for it.
///
/// Targets: cold start (spawn → first response) median ≤ 30 ms with the sandbox; warm proxy
/// overhead ≤ 0.3 ms median and unchanged by the sandbox.
enum ContainerBench {
    static func run() async throws {
        let bin = ProcessInfo.processInfo.environment["OUTPOST_BIN_DIR"] ?? "../.build/release"
        let fixture = bin + "/container-fixture"
        let launcher = bin + "/outpost-sandbox"
        let state = NSTemporaryDirectory() + "outpost-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let baselineLauncher = state + "/outpost-sandbox-no-isolation"
        try FileManager.default.createSymbolicLink(atPath: baselineLauncher, withDestinationPath: launcher)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        func supervisor(_ launcherPath: String, _ dir: String) -> ContainerSupervisor {
            ContainerSupervisor(stateDirectory: state + "/" + dir, classes: [ContainerClass(name: "Bench", executable: fixture, maxInstances: 200)],
                                logger: logger, launcherPath: launcherPath, logSink: { _ in })
        }
        let sup = supervisor(launcher, "sandboxed"), base = supervisor(baselineLauncher, "baseline")
        let runners = [Task { try await sup.run() }, Task { try await base.run() }]
        defer { try? FileManager.default.removeItem(atPath: state) }

        for internet in [true, false] {
            // Interleaved, so both see the same machine load.
            var cold: [Double] = [], coldBase: [Double] = []
            let opts = ContainerStartOptions(enableInternet: internet)
            for i in 0..<50 {
                for (s, isBase) in [(sup, false), (base, true)] {
                    let id = "cold-\(internet)-\(i)"
                    let t0 = ContinuousClock.now
                    let r = try await s.fetch(Request(url: "/ping"), className: "Bench", instanceID: id, options: opts)
                    _ = try await r.body.text()
                    let t = ms(ContinuousClock.now - t0)
                    if isBase { coldBase.append(t) } else { cold.append(t) }
                    await s.destroy(className: "Bench", instanceID: id)
                }
            }
            report("cold start, sandboxed, enableInternet=\(internet) (spawn → first response, 50 starts)", cold, unit: "ms", target: "median ≤ 30 ms")
            report("cold start, no isolation (baseline), enableInternet=\(internet)", coldBase, unit: "ms")
            print(String(format: "  cold start sandboxed / baseline: median %.2f×, p90 %.2f×  %@", median(cold) / median(coldBase),
                         percentile(cold, 0.9) / percentile(coldBase, 0.9), median(cold) <= 30 ? "PASS" : "MISS"))
        }

        // Warm: the same request through the proxy and straight to the port, interleaved, for a
        // sandboxed instance and a baseline one.
        let warmOpts = ContainerStartOptions(enableInternet: true)
        for (s, label) in [(sup, "sandboxed"), (base, "baseline")] {
            _ = try await s.fetch(Request(url: "/ping"), className: "Bench", instanceID: "warm", options: warmOpts).body.text()
            let port = try requireValue(await s.list().first { $0.instanceID == "warm" }?.port)
            let direct = try DirectClient(port: port)
            var viaProxy: [Double] = [], straight: [Double] = []
            for i in 0..<3000 {
                let t0 = ContinuousClock.now
                _ = try await s.fetch(Request(url: "/ping"), className: "Bench", instanceID: "warm", options: warmOpts).body.text()
                let t1 = ContinuousClock.now
                try direct.get("/ping")
                let t2 = ContinuousClock.now
                if i >= 200 {
                    viaProxy.append(us(t1 - t0))
                    straight.append(us(t2 - t1))
                }
            }
            report("warm GET /ping through the proxy (\(label))", viaProxy, unit: "µs")
            report("warm GET /ping straight to the port (\(label))", straight, unit: "µs")
            let overhead = median(viaProxy) - median(straight)
            print(String(format: "  proxy overhead (%@): %.1f µs median (ratio %.2f×)  [target ≤ 300 µs]  %@", label, overhead,
                         median(viaProxy) / median(straight), overhead <= 300 ? "PASS" : "MISS"))
        }

        // Idle cost: each instance is its launcher, its init and the service.
        let before = rss(getpid())
        for i in 0..<100 {
            try await sup.start(className: "Bench", instanceID: "idle-\(i)", options: ContainerStartOptions(enableInternet: i % 2 == 0))
        }
        let pids = await sup.list().filter { $0.instanceID.hasPrefix("idle-") }.compactMap(\.pid).flatMap(tree)
        let instances = 100
        let total = pids.map(rss).reduce(0, +)
        let proportional = pids.map(pss).reduce(0, +)
        let runtimeDelta = rss(getpid()) - before
        print(String(format: "  100 idle sandboxed instances: %.1f MiB RSS in total (%.0f KiB each); runtime grew %.1f MiB (%.0f KiB per instance)",
                     Double(total) / 1048576, Double(total) / 1024 / Double(instances), Double(runtimeDelta) / 1048576,
                     Double(runtimeDelta) / 1024 / 100))
        print(String(format: "  100 idle sandboxed instances: %.1f MiB PSS in total (%.0f KiB each; shared libraries counted once)",
                     Double(proportional) / 1048576, Double(proportional) / 1024 / Double(instances)))
        await sup.shutdown()
        await base.shutdown()
        for runner in runners { runner.cancel(); _ = try? await runner.value }
    }

    /// `pid` and its descendants (the launcher, the instance's init, the service and its children).
    static func tree(_ pid: Int32) -> [Int32] {
        let all = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        var parent: [Int32: Int32] = [:]
        for p in all {
            guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
        }
        var out = [pid], i = 0
        while i < out.count {
            out += parent.filter { $0.value == out[i] }.map(\.key)
            i += 1
        }
        return out
    }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))]
    }

    static func report(_ name: String, _ samples: [Double], unit: String, target: String? = nil) {
        let sorted = samples.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        var line = String(format: "  %@: median %.2f %@, p90 %.2f %@, p99 %.2f %@, min %.2f, max %.2f (n=%d)", name, median(samples), unit,
                          percentile(samples, 0.9), unit, p99, unit, sorted.first ?? 0, sorted.last ?? 0, sorted.count)
        if let target { line += "  [target \(target)]" }
        print(line)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
    }

    static func ms(_ d: Duration) -> Double { us(d) / 1000 }
    static func us(_ d: Duration) -> Double { Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12 }

    static func pss(_ pid: Int32) -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }) else { return 0 }
        return (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    static func rss(_ pid: Int32) -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}

func requireValue<T>(_ value: T?) throws -> T {
    guard let value else { throw BenchError("missing value") }
    return value
}


/// A blocking keep-alive HTTP/1.1 client: the baseline "call the fixture's port directly".
final class DirectClient {
    let fd: Int32
    var buffer = [UInt8](repeating: 0, count: 4096)

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw BenchError("connect failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func get(_ path: String) throws {
        let req = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = req.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var got: [UInt8] = []
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw BenchError("connection closed") }
            got += buffer[0..<n]
            // The fixture's /ping answer has Content-Length: 4.
            if let end = got.indices.dropLast(3).first(where: { got[$0] == 13 && got[$0 + 1] == 10 && got[$0 + 2] == 13 && got[$0 + 3] == 10 }),
               got.count >= end + 4 + 4 { return }
        }
    }
}
