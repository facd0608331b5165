public import Foundation

/// A standard 5-field cron expression (minute hour day-of-month month day-of-week), in UTC.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n` (and `a/n`: from a to the end),
/// lists `a,b`, month names `JAN`–`DEC` and day names `SUN`–`SAT` (0 and 7 are Sunday).
/// `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` are accepted.
/// As in Vixie cron, when both day fields are restricted a day matching either one matches.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    private static let shortcuts = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses `text`; throws a `CronParseError` saying which field is wrong and why.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        source = text
        let expanded = Self.shortcuts[trimmed.lowercased()] ?? trimmed
        if expanded.hasPrefix("@") { throw CronParseError(expression: text, message: "unknown shortcut \(trimmed)") }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronParseError(expression: text, message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func field(_ i: Int, _ name: String, _ lo: Int, _ hi: Int, names: [String] = [], nameBase: Int = 0) throws -> UInt64 {
            do {
                return try Self.parseField(fields[i], lo: lo, hi: hi, names: names, nameBase: nameBase)
            } catch let message as FieldError {
                throw CronParseError(expression: text, message: "\(name) field \"\(fields[i])\": \(message.text)")
            }
        }
        minutes = try field(0, "minute", 0, 59)
        hours = try field(1, "hour", 0, 23)
        daysOfMonth = try field(2, "day-of-month", 1, 31)
        months = try field(3, "month", 1, 12, names: Self.monthNames, nameBase: 1)
        var dow = try field(4, "day-of-week", 0, 7, names: Self.dayNames)
        if dow & (1 << 7) != 0 { dow = (dow | 1) & ~(1 << 7) }
        daysOfWeek = dow
        dayOfMonthRestricted = !(fields[2].hasPrefix("*") || fields[2] == "?")
        dayOfWeekRestricted = !(fields[4].hasPrefix("*") || fields[4] == "?")
    }

    private struct FieldError: Error { let text: String }

    private static func parseField(_ text: String, lo: Int, hi: Int, names: [String], nameBase: Int) throws -> UInt64 {
        func value(_ s: Substring) throws -> Int {
            if let n = Int(s) {
                guard (lo...hi).contains(n) else { throw FieldError(text: "\(n) is outside \(lo)-\(hi)") }
                return n
            }
            if let i = names.firstIndex(of: s.uppercased()) { return i + nameBase }
            throw FieldError(text: "\"\(s)\" is not a number\(names.isEmpty ? "" : " or a name")")
        }
        var bits: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let range = pieces.first, !range.isEmpty else { throw FieldError(text: "malformed \"\(part)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s >= 1 else { throw FieldError(text: "step \"\(pieces[1])\" must be a positive number") }
                step = s
            }
            var first: Int, last: Int
            if range == "*" || range == "?" {
                (first, last) = (lo, hi)
            } else if let dash = range.firstIndex(of: "-") {
                first = try value(range[..<dash])
                last = try value(range[range.index(after: dash)...])
                guard first <= last else { throw FieldError(text: "range \(range) runs backwards") }
            } else {
                first = try value(range)
                last = pieces.count == 2 ? hi : first
            }
            for v in stride(from: first, through: last, by: step) { bits |= 1 << UInt64(v) }
        }
        return bits
    }

    /// Whether the expression fires at the minute containing `date`.
    public func matches(_ date: Date) -> Bool {
        let t = UTCTime(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
        return has(months, t.month) && dayMatches(t) && has(hours, t.hour) && has(minutes, t.minute)
    }

    /// The first fire time strictly after `date`, or nil if none comes within ten years (as for `0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        var t = (Int64(date.timeIntervalSince1970.rounded(.down)) / 60 + 1) * 60
        if date.timeIntervalSince1970 < 0 { t = Int64((date.timeIntervalSince1970 / 60).rounded(.down) + 1) * 60 }
        let limitYear = UTCTime(seconds: t).year + 10
        while true {
            let c = UTCTime(seconds: t)
            if c.year > limitYear { return nil }
            if !has(months, c.month) {
                let (y, m) = c.month == 12 ? (c.year + 1, 1) : (c.year, c.month + 1)
                t = UTCTime.days(year: y, month: m, day: 1) * 86_400
            } else if !dayMatches(c) {
                t = (c.days + 1) * 86_400
            } else if !has(hours, c.hour) {
                t = c.days * 86_400 + Int64(c.hour + 1) * 3600
            } else if !has(minutes, c.minute) {
                t += 60
            } else {
                return Date(timeIntervalSince1970: Double(t))
            }
        }
    }

    private func has(_ bits: UInt64, _ v: Int) -> Bool { bits & (1 << UInt64(v)) != 0 }

    private func dayMatches(_ c: UTCTime) -> Bool {
        let dom = has(daysOfMonth, c.day), dow = has(daysOfWeek, c.weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dom || dow }
        return dom && dow
    }
}

/// A cron expression that cannot be parsed.
public struct CronParseError: CodedError, Equatable {
    public let expression: String
    public let message: String
    public var code: String { "invalid_cron" }
    public var description: String { "invalid cron \"\(expression)\": \(message)" }
}
