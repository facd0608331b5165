import Foundation

/// Timing helpers shared by the suites: ContinuousClock, medians, percentiles and a table printer.
enum Bench {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Runs `body` once and returns the elapsed seconds.
    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return seconds(clock.now - start)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((p / 100 * Double(sorted.count - 1)).rounded()))
        return sorted[index]
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 50) }

    /// Runs `job` from `workers` concurrent loops for `seconds` (after two warm-up runs); returns
    /// completed jobs per second.
    static func throughput(workers: Int, seconds: Double, _ job: @escaping @Sendable () async throws -> Void) async throws -> Double {
        for _ in 0..<2 { try await job() }
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<workers {
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
        return Double(done) / Bench.seconds(clock.now - start)
    }

    static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "outpost-bench-\(name)-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Prints rows of (label, value, baseline) with the ratio value/baseline.
    static func table(_ title: String, unit: String, rows: [(String, Double, Double?)]) {
        print("\n## \(title)")
        print(pad("measure", 44) + pad(unit, 14) + pad("baseline", 14) + "ratio")
        for (label, value, baseline) in rows {
            let ratio = baseline.map { String(format: "%.2f", value / $0) } ?? "-"
            print(pad(label, 44) + pad(format(value), 14) + pad(baseline.map(format) ?? "-", 14) + ratio)
        }
    }

    static func format(_ v: Double) -> String {
        v >= 100 ? String(format: "%.0f", v) : String(format: "%.3f", v)
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
}

/// A benchmark that could not run, with why.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
