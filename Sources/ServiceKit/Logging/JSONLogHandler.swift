import Foundation
public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Writes one JSON object per line to stdout: `{"time", "level", "service", "message", …metadata}`,
/// so the runtime can collect a container's logs as structured records.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    /// Creates a handler for the logger `label` at `level`.
    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var record: [String: String] = [:]
        for (key, value) in metadata { record[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { record[key] = "\(value)" }
        record["time"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        record["level"] = event.level.rawValue
        record["service"] = label
        record["message"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        // One write(2) per record keeps lines from concurrent jobs whole.
        line.withUnsafeBytes { _ = Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}
