import CoreMetrics
import Foundation
import Prometheus

/// A runtime's metrics: recorded through swift-metrics, kept and served in the Prometheus text
/// format by swift-prometheus.
///
/// Each runtime owns one (the test harness boots many runtimes in one process, so nothing is
/// bootstrapped globally). The Worker and its objects reach it as `env.metrics`. Every value is
/// in memory: a scrape reads no storage.
public final class Metrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let startedAt = Date()
    /// Whose filesystem's free space is reported, if any.
    private let stateDirectory: String?
    /// False: nothing is recorded (`outpost dev --no-metrics`, to measure what recording costs).
    public let enabled: Bool

    public init(stateDirectory: String? = nil, enabled: Bool = true) {
        factory = PrometheusMetricsFactory(registry: registry)
        self.stateDirectory = stateDirectory
        self.enabled = enabled
    }

    /// Adds `amount` to a counter.
    public func increment(_ family: MetricFamily, _ labels: String..., by amount: Int64 = 1) {
        guard enabled else { return }
        CoreMetrics.Counter(label: family.name, dimensions: dimensions(family, labels), factory: factory).increment(by: amount)
    }

    /// Adds a fractional `amount` to a counter (seconds, dollars).
    public func add(_ family: MetricFamily, _ labels: String..., amount: Double) {
        guard enabled else { return }
        FloatingPointCounter(label: family.name, dimensions: dimensions(family, labels), factory: factory).increment(by: amount)
    }

    /// Records one duration in a histogram.
    public func observe(_ family: MetricFamily, _ labels: String..., duration: Duration) {
        record(family, labels, duration: duration)
    }

    /// Sets a gauge.
    public func set(_ family: MetricFamily, _ labels: String..., to value: Double) {
        guard enabled else { return }
        meter(family, labels).set(value)
    }

    /// Moves a gauge up (or down, with a negative `delta`).
    public func adjust(_ family: MetricFamily, _ labels: String..., by delta: Double) {
        guard enabled else { return }
        let meter = meter(family, labels)
        if delta >= 0 { meter.increment(by: delta) } else { meter.decrement(by: -delta) }
    }

    /// Counts one operation in `counter` and times it, from `start` to now, in `histogram`
    /// (both labelled alike).
    public func count(_ counter: MetricFamily, _ histogram: MetricFamily, _ labels: String..., since start: ContinuousClock.Instant) {
        guard enabled else { return }
        CoreMetrics.Counter(label: counter.name, dimensions: dimensions(counter, labels), factory: factory).increment()
        record(histogram, labels, duration: ContinuousClock.now - start)
    }

    /// What a store's `SQLiteDatabase` calls after each write (`outpost_storage_write_duration_seconds`).
    public func storageWriteObserver(_ store: String) -> SQLiteDatabase.WriteObserver {
        SQLiteDatabase.WriteObserver { [self] duration in record(RuntimeMetricFamilies.storageWriteDuration, [store], duration: duration) }
    }

    /// Everything recorded, in the Prometheus text exposition format (0.0.4), with the process's
    /// figures measured now, and a `# HELP` line for each family of the runtime's and of `app`.
    public func exposition(describing app: [MetricFamily] = []) -> String {
        guard enabled else { return "# metrics are off (outpost dev --no-metrics)\n" }
        let process = ProcessFigures.now()
        typealias F = RuntimeMetricFamilies
        if let rss = process.residentBytes { set(F.residentMemory, to: Double(rss)) }
        if let fds = process.openFileDescriptors { set(F.openFileDescriptors, to: Double(fds)) }
        set(F.startTime, to: startedAt.timeIntervalSince1970)
        set(F.uptime, to: Date().timeIntervalSince(startedAt))
        if let stateDirectory, let disk = ProcessFigures.filesystem(of: stateDirectory) {
            set(F.stateFilesystemAvailable, to: Double(disk.available))
            set(F.stateFilesystemSize, to: Double(disk.size))
        }
        // swift-metrics has no help text: it is added here, before each family's TYPE line.
        let help = Dictionary((F.all + app).map { ($0.name, $0.help) }) { first, _ in first }
        var out = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first, let text = help[String(name)] {
                out += "# HELP \(name) \(text)\n"
            }
            out += line
            out += "\n"
        }
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// The content type of `exposition()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private func record(_ family: MetricFamily, _ labels: [String], duration: Duration) {
        guard enabled else { return }
        guard case .histogram(let buckets) = family.kind else { preconditionFailure("\(family.name) is not a histogram") }
        var factory = self.factory
        factory.defaultDurationHistogramBuckets = buckets
        let (seconds, attoseconds) = duration.components
        CoreMetrics.Timer(label: family.name, dimensions: dimensions(family, labels), factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private func meter(_ family: MetricFamily, _ labels: [String]) -> Meter {
        precondition(family.kind == .gauge, "\(family.name) is not a gauge")
        return Meter(label: family.name, dimensions: dimensions(family, labels), factory: factory)
    }

    /// The label pairs, checked against the family's label names (one label set per name).
    private func dimensions(_ family: MetricFamily, _ values: [String]) -> [(String, String)] {
        precondition(values.count == family.labels.count, "\(family.name) takes labels \(family.labels), got \(values)")
        return Array(zip(family.labels, values))
    }
}
