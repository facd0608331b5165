public import OutpostJSON

/// The period a `.platformDataset` operation reads, from its `from` and `to` parameters: each an
/// ISO-8601 date (`2026-12-07`) or date-time (`2026-12-07T10:00:00Z`, `…T10:00:00.250+01:00`).
/// A date alone means the start of that day (UTC) for `from` and its end for `to`. A job belongs to
/// the period when it was created at or after `from` and before `to` (milliseconds since the epoch).
public struct DatasetPeriod: Sendable, Equatable {
    /// Start, inclusive (milliseconds since the epoch); nil: from the beginning.
    public var from: Int64?
    /// End, exclusive; nil: up to now.
    public var to: Int64?

    public init(from: Int64?, to: Int64?) {
        self.from = from
        self.to = to
    }

    /// The period of `params`; a bad value or `from` after `to` throws, naming the parameter.
    public init(_ params: [String: JSONValue], from fromName: String = "from", to toName: String = "to") throws(ParameterError) {
        func value(_ name: String, endOfDay: Bool) throws(ParameterError) -> Int64? {
            guard let raw = params[name], raw != .null else { return nil }
            guard let text = raw.stringValue, let ms = Self.parse(text, endOfDay: endOfDay) else {
                throw ParameterError(name: name, message: "must be an ISO-8601 date (2026-12-07) or date-time (2026-12-07T10:00:00Z), got \(raw.display)")
            }
            return ms
        }
        let from = try value(fromName, endOfDay: false)
        let to = try value(toName, endOfDay: true)
        // Ordered by what was written: `to` = 2026-12-07 is before `from` = 2026-12-08 even though
        // the period it ends runs to the end of its day.
        if let from, try value(toName, endOfDay: false).map({ from > $0 }) == true {
            throw ParameterError(name: fromName, message: "is after \"\(toName)\": the period must not end before it starts")
        }
        self.init(from: from, to: to)
    }

    public func contains(_ milliseconds: Int64) -> Bool {
        (from.map { milliseconds >= $0 } ?? true) && (to.map { milliseconds < $0 } ?? true)
    }

    /// Milliseconds since the epoch of an ISO-8601 date or date-time; a date alone is the start of
    /// its day, or with `endOfDay` the start of the next. Nil when it is not one.
    public static func parse(_ text: String, endOfDay: Bool = false) -> Int64? {
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= c.count, !range.isEmpty else { return nil }
            var n: Int64 = 0
            for i in range {
                guard c[i] >= 48, c[i] <= 57 else { return nil }
                n = n * 10 + Int64(c[i] - 48)
            }
            return n
        }
        guard c.count >= 10, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        if c.count == 10 { return (days + (endOfDay ? 1 : 0)) * 86_400_000 }
        guard c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: " "), c.count >= 16, c[13] == UInt8(ascii: ":"),
              let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
        var i = 16
        var second: Int64 = 0
        var millis: Int64 = 0
        if i < c.count, c[i] == UInt8(ascii: ":") {
            guard let s = number(i + 1..<i + 3), s < 60 else { return nil }
            second = s
            i += 3
            if i < c.count, c[i] == UInt8(ascii: ".") || c[i] == UInt8(ascii: ",") {
                var j = i + 1
                var scale: Int64 = 100
                while j < c.count, c[j] >= 48, c[j] <= 57 {
                    millis += Int64(c[j] - 48) * scale
                    scale /= 10
                    j += 1
                }
                guard j > i + 1 else { return nil }
                i = j
            }
        }
        var offset: Int64 = 0
        if i == c.count {
            offset = 0  // no zone: UTC
        } else if c[i] == UInt8(ascii: "Z") || c[i] == UInt8(ascii: "z"), i + 1 == c.count {
            offset = 0
        } else if c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-"), c.count == i + 6, c[i + 3] == UInt8(ascii: ":"),
                  let h = number(i + 1..<i + 3), let m = number(i + 4..<i + 6), h < 24, m < 60 {
            offset = (h * 60 + m) * 60_000 * (c[i] == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return nil
        }
        return days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset
    }

    /// `2026-12-07T10:00:00.000Z` for milliseconds since the epoch.
    public static func iso8601(_ milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let rest = milliseconds - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):\(pad(rest / 1000 % 60, 2)).\(pad(rest % 1000, 3))Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01.
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
