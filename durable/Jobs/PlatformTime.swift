import Foundation

/// The platform's timestamps: wall-clock milliseconds since the epoch, as stored in the job
/// tables and given to alarms, shown as ISO 8601 in UTC with milliseconds.
enum PlatformTime {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `2026-11-23T06:10:11.123Z` (what `Date.ISO8601FormatStyle(includingFractionalSeconds: true)`
    /// writes, without building a formatter for each of the three timestamps of every job shown).
    static func iso8601(_ milliseconds: Int64) -> String {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor))
                v %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-"))
        digits(month, 2); out.append(UInt8(ascii: "-"))
        digits(day, 2); out.append(UInt8(ascii: "T"))
        digits(msOfDay / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        digits(msOfDay / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(msOfDay / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        digits(msOfDay % 1000, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension Int64 {
    /// Quotient rounded toward minus infinity, and the non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = self / divisor, r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
