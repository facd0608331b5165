/// One metric: its name, kind and label names, written once and used everywhere it is recorded.
///
/// A name always carries the same labels (Prometheus queries and dashboards rely on it), and a
/// label never holds an object id or another unbounded value: classes, job types, operations,
/// route patterns and status classes only.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case counter
        case gauge
        /// A histogram of durations, in seconds, with these upper bounds.
        case histogram(buckets: [Duration])
    }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    /// The `# HELP` text.
    public let help: String

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }

    /// Buckets for request and storage latencies: 0.5 ms to 10 s.
    public static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    /// Buckets for work measured in seconds to hours: jobs, queue waits, container start-up.
    public static let workBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900),
        .seconds(3600),
    ]
}
