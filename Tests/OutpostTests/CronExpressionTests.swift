import Foundation
import Outpost
import Testing

@Suite("Cron expressions")
struct CronExpressionTests {
    static func date(_ iso: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: iso)!
    }

    // Expected times computed independently by brute force (minute by minute) with Vixie cron's rules.
    static let table: [(String, String, String)] = [
        ("* * * * *", "2026-11-23T01:58:30Z", "2026-11-23T01:59:00Z"),
        ("*/15 * * * *", "2026-11-23T01:58:30Z", "2026-11-23T02:00:00Z"),
        ("0 * * * *", "2026-11-23T01:58:30Z", "2026-11-23T02:00:00Z"),
        ("30 9 * * *", "2026-11-23T01:58:30Z", "2026-11-23T09:30:00Z"),
        ("0 0 * * MON", "2026-11-23T01:58:30Z", "2026-11-30T00:00:00Z"),
        ("0 12 * * 1-5", "2026-11-23T01:58:30Z", "2026-11-23T12:00:00Z"),
        ("0 0 1 * *", "2026-11-23T01:58:30Z", "2026-12-01T00:00:00Z"),
        ("0 0 1 JAN *", "2026-11-23T01:58:30Z", "2027-01-01T00:00:00Z"),
        ("5,35 */6 * * *", "2026-11-23T01:58:30Z", "2026-11-23T06:05:00Z"),
        ("0 9-17/2 * * *", "2026-11-23T01:58:30Z", "2026-11-23T09:00:00Z"),
        ("0 0 29 2 *", "2026-11-23T01:58:30Z", "2028-02-29T00:00:00Z"),
        ("0 0 13 * FRI", "2026-11-23T01:58:30Z", "2026-11-27T00:00:00Z"),
        ("0 0 * * 7", "2026-11-23T01:58:30Z", "2026-11-29T00:00:00Z"),
        ("@daily", "2026-11-23T01:58:30Z", "2026-11-24T00:00:00Z"),
        ("@hourly", "2026-11-23T01:58:30Z", "2026-11-23T02:00:00Z"),
        ("@weekly", "2026-11-23T01:58:30Z", "2026-11-29T00:00:00Z"),
        ("@monthly", "2026-11-23T01:58:30Z", "2026-12-01T00:00:00Z"),
        ("@yearly", "2026-11-23T01:58:30Z", "2027-01-01T00:00:00Z"),
        ("0 0 31 * *", "2026-11-23T01:58:30Z", "2026-12-31T00:00:00Z"),
        ("59 23 31 DEC *", "2026-11-23T01:58:30Z", "2026-12-31T23:59:00Z"),
        ("0 22 * * SAT,SUN", "2026-11-23T01:58:30Z", "2026-11-28T22:00:00Z"),
        ("10/20 * * * *", "2026-11-23T01:58:30Z", "2026-11-23T02:10:00Z"),
        ("0 0 1-7 * MON", "2026-11-23T01:58:30Z", "2026-11-30T00:00:00Z"),
        ("0 * * * *", "2026-11-23T02:00:00Z", "2026-11-23T03:00:00Z"),
        ("*/5 * * * *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"),
        ("0 0 * * sun", "2027-02-27T12:00:00Z", "2027-02-28T00:00:00Z"),
        ("0 0 29 2 1", "2026-11-23T00:00:00Z", "2027-02-01T00:00:00Z"),
        ("*/7 */7 * * *", "2026-11-23T22:50:00Z", "2026-11-24T00:00:00Z"),
    ]

    @Test("next fire time", arguments: table)
    func nextFireTime(_ row: (String, String, String)) throws {
        let (expression, from, expected) = row
        let cron = try CronExpression(expression)
        #expect(cron.next(after: Self.date(from)) == Self.date(expected), "\(expression) after \(from)")
        #expect(cron.matches(Self.date(expected)))
    }

    @Test("an expression that never fires has no next time")
    func never() throws {
        #expect(try CronExpression("0 0 30 2 *").next(after: Self.date("2026-01-01T00:00:00Z")) == nil)
        #expect(try CronExpression("0 0 31 4 *").next(after: Self.date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test("matches checks every field")
    func matches() throws {
        let cron = try CronExpression("*/10 8-9 * JUN-AUG tue")
        #expect(cron.matches(Self.date("2026-06-02T08:20:00Z")))
        #expect(cron.matches(Self.date("2026-06-02T08:20:59Z")))
        #expect(!cron.matches(Self.date("2026-06-02T08:21:00Z")))
        #expect(!cron.matches(Self.date("2026-06-03T08:20:00Z")))
        #expect(!cron.matches(Self.date("2026-09-01T08:20:00Z")))
        #expect(!cron.matches(Self.date("2026-06-02T10:20:00Z")))
    }

    @Test("invalid expressions say which field is wrong", arguments: [
        ("* * * *", "expected 5 fields"),
        ("* * * * * *", "expected 5 fields"),
        ("60 * * * *", "minute field \"60\": 60 is outside 0-59"),
        ("* 24 * * *", "hour field \"24\": 24 is outside 0-23"),
        ("* * 0 * *", "day-of-month field \"0\": 0 is outside 1-31"),
        ("* * * 13 *", "month field \"13\": 13 is outside 1-12"),
        ("* * * * 8", "day-of-week field \"8\": 8 is outside 0-7"),
        ("* * * FOO *", "month field \"FOO\""),
        ("*/0 * * * *", "step \"0\" must be a positive number"),
        ("5-1 * * * *", "range 5-1 runs backwards"),
        ("1,,2 * * * *", "malformed"),
        ("@fortnightly", "unknown shortcut"),
    ])
    func invalid(_ row: (String, String)) {
        #expect {
            _ = try CronExpression(row.0)
        } throws: { error in
            guard let e = error as? CronParseError else { return false }
            return e.description.contains(row.1) && e.description.hasPrefix("invalid cron \"\(row.0)\"")
        }
    }
}
