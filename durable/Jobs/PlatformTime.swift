import Foundation

/// The platform's timestamps: wall-clock milliseconds since the epoch, as stored in the job
/// tables and given to alarms.
enum PlatformTime {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
