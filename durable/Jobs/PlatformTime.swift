import Foundation
import Outpost

/// The platform's timestamps: wall-clock milliseconds since the epoch, as stored in the job
/// tables and given to alarms, shown as ISO 8601 in UTC with milliseconds.
enum PlatformTime {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `2026-11-23T06:10:11.123Z`, as JavaScript's `toISOString()` writes it.
    static func iso8601(_ milliseconds: Int64) -> String { UTCTime(milliseconds: milliseconds).isoString }
}
