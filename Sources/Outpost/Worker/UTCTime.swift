/// A time broken down into its UTC calendar date and time of day (Howard Hinnant's
/// civil-from-days, proleptic Gregorian), and the ISO 8601 text JavaScript's
/// `Date.prototype.toISOString()` writes: `2026-11-23T06:10:11.123Z`.
///
/// Cron matching and the platform's job timestamps use it; it needs no `Calendar` or formatter.
public struct UTCTime: Sendable, Equatable {
    /// Days since 1970-01-01 (negative before).
    public let days: Int64
    public let year: Int, month: Int, day: Int
    public let hour: Int, minute: Int, second: Int, millisecond: Int
    /// 0 = Sunday … 6 = Saturday.
    public let weekday: Int

    /// The time `milliseconds` after the epoch.
    public init(milliseconds: Int64) {
        let (days, msOfDay) = Self.floorDivide(milliseconds, 86_400_000)
        self.days = days
        hour = Int(msOfDay / 3_600_000)
        minute = Int(msOfDay / 60_000 % 60)
        second = Int(msOfDay / 1000 % 60)
        millisecond = Int(msOfDay % 1000)
        weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// The time `seconds` after the epoch.
    public init(seconds: Int64) { self.init(milliseconds: seconds * 1000) }

    /// Days since 1970-01-01 of a calendar date (the inverse of the breakdown).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `toISOString()` writes it (years 0…9999).
    public var isoString: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int, then separator: Character?) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var v = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
            if let separator { out.append(separator.asciiValue!) }
        }
        digits(year, 4, then: "-")
        digits(month, 2, then: "-")
        digits(day, 2, then: "T")
        digits(hour, 2, then: ":")
        digits(minute, 2, then: ":")
        digits(second, 2, then: ".")
        digits(millisecond, 3, then: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    /// Quotient rounded toward minus infinity, and the non-negative remainder.
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let q = value / divisor, r = value % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
