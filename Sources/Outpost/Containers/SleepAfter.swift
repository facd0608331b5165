import Foundation

/// How long an instance may sit idle before it is stopped (`sleepAfter`): "10m" by default.
///
/// A bare number means seconds; "30s", "5m" and "2h" carry a unit, as in Cloudflare's Container class.
public struct SleepAfter: Sendable, Hashable, CustomStringConvertible {
    public let duration: Duration

    public static let `default` = SleepAfter(duration: .seconds(600))

    public init(duration: Duration) { self.duration = duration }

    public init(seconds: Double) throws(ContainerError) {
        guard seconds.isFinite, seconds > 0 else {
            throw ContainerError(.invalidSleepAfter, "sleepAfter must be a positive number of seconds, got \(seconds).")
        }
        duration = .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Parses "90", "30s", "5m", "2h" (whitespace around is ignored).
    public init(parsing text: String) throws(ContainerError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(trimmed)
        var scale = 1.0
        if let last = trimmed.last, let unit = units[last] {
            number = trimmed.dropLast()
            scale = unit
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number) else {
            throw ContainerError(.invalidSleepAfter, "Invalid sleepAfter \"\(text)\": use seconds (\"90\") or a number with s, m or h (\"30s\", \"5m\", \"2h\").")
        }
        try self.init(seconds: value * scale)
    }

    public var description: String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
