import Foundation
import Logging
import Outpost

/// Container benchmarks: cold start, warm proxy overhead against the port itself, idle RSS.
///
/// Targets: cold start (spawn → first response) median ≤ 50 ms; warm proxy overhead ≤ 0.3 ms median.
enum ContainerBench {
    static func run() async throws {
        let bin = ProcessInfo.processInfo.environment["OUTPOST_BIN_DIR"] ?? "../.build/release"
        let fixture = bin + "/container-fixture"
        let launcher = bin + "/outpost-sandbox"
        let state = NSTemporaryDirectory() + "outpost-bench-" + UUID().uuidString
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let sup = ContainerSupervisor(stateDirectory: state, classes: [ContainerClass(name: "Bench", executable: fixture, maxInstances: 200)],
                                      logger: logger, launcherPath: launcher, logSink: { _ in })
        let runner = Task { try await sup.run() }
        defer { try? FileManager.default.removeItem(atPath: state) }

        for internet in [true, false] {
            var cold: [Double] = []
            let opts = ContainerStartOptions(enableInternet: internet)
            for i in 0..<50 {
                let t0 = ContinuousClock.now
                let r = try await sup.fetch(Request(url: "/ping"), className: "Bench", instanceID: "cold-\(internet)-\(i)", options: opts)
                _ = try await r.body.text()
                cold.append(ms(ContinuousClock.now - t0))
                await sup.destroy(className: "Bench", instanceID: "cold-\(internet)-\(i)")
            }
            report("cold start, enableInternet=\(internet) (spawn → first response, 50 starts)", cold, unit: "ms", target: "median ≤ 50 ms")
        }

        // Warm: the same request through the proxy and straight to the port, interleaved.
        let warmOpts = ContainerStartOptions(enableInternet: true)
        _ = try await sup.fetch(Request(url: "/ping"), className: "Bench", instanceID: "warm", options: warmOpts).body.text()
        let port = try requireValue(await sup.list().first { $0.instanceID == "warm" }?.port)
        let direct = try DirectClient(port: port)
        var viaProxy: [Double] = [], straight: [Double] = []
        for i in 0..<3000 {
            let t0 = ContinuousClock.now
            _ = try await sup.fetch(Request(url: "/ping"), className: "Bench", instanceID: "warm", options: warmOpts).body.text()
            let t1 = ContinuousClock.now
            try direct.get("/ping")
            let t2 = ContinuousClock.now
            if i >= 200 {
                viaProxy.append(us(t1 - t0))
                straight.append(us(t2 - t1))
            }
        }
        report("warm GET /ping through the proxy", viaProxy, unit: "µs")
        report("warm GET /ping straight to the port", straight, unit: "µs")
        let overhead = median(viaProxy) - median(straight)
        print(String(format: "  proxy overhead: %.1f µs median (ratio %.2f×)  [target ≤ 300 µs]  %@", overhead, median(viaProxy) / median(straight),
                     overhead <= 300 ? "PASS" : "MISS"))

        // Idle cost.
        let before = rss(getpid())
        for i in 0..<100 {
            try await sup.start(className: "Bench", instanceID: "idle-\(i)", options: ContainerStartOptions(enableInternet: i % 2 == 0))
        }
        let pids = await sup.list().filter { $0.instanceID.hasPrefix("idle-") }.compactMap(\.pid)
        let total = pids.map(rss).reduce(0, +)
        let proportional = pids.map(pss).reduce(0, +)
        let runtimeDelta = rss(getpid()) - before
        print(String(format: "  100 idle instances: %.1f MiB RSS in total (%.0f KiB each); runtime grew %.1f MiB (%.0f KiB per instance)",
                     Double(total) / 1048576, Double(total) / 1024 / Double(max(pids.count, 1)), Double(runtimeDelta) / 1048576,
                     Double(runtimeDelta) / 1024 / 100))
        print(String(format: "  100 idle instances: %.1f MiB PSS in total (%.0f KiB each; shared libraries counted once)",
                     Double(proportional) / 1048576, Double(proportional) / 1024 / Double(max(pids.count, 1))))
        await sup.shutdown()
        runner.cancel()
        _ = try? await runner.value
    }

    static func report(_ name: String, _ samples: [Double], unit: String, target: String? = nil) {
        let sorted = samples.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        var line = String(format: "  %@: median %.2f %@, p99 %.2f %@, min %.2f, max %.2f (n=%d)", name, median(samples), unit, p99, unit, sorted.first ?? 0, sorted.last ?? 0, sorted.count)
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
