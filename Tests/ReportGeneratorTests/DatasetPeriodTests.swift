import Foundation
import ServiceDescriptors
import Testing

/// The period parameters' reading, checked against Foundation's ISO-8601 formatter.
@Suite("Dataset period")
struct DatasetPeriodTests {
    static func foundation(_ text: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test("date-times read as Foundation reads them; a date is its day's start, or for `to` the next day's")
    func parsesLikeFoundation() throws {
        for text in ["2026-12-07T10:00:00Z", "2026-12-07T10:00:00.250Z", "2024-02-29T23:59:59.999+01:00", "1999-12-31T18:30:00-05:30", "2026-01-01T00:00:00Z"] {
            #expect(DatasetPeriod.parse(text) == Self.foundation(text), "\(text)")
        }
        #expect(DatasetPeriod.parse("2026-12-07") == Self.foundation("2026-12-07T00:00:00Z"))
        #expect(DatasetPeriod.parse("2026-12-07", endOfDay: true) == Self.foundation("2026-12-08T00:00:00Z"))
        #expect(DatasetPeriod.iso8601(try #require(Self.foundation("2026-12-07T10:11:12.345Z"))) == "2026-12-07T10:11:12.345Z")
        for bad in ["yesterday", "2026-02-30", "2026-13-01", "2026-12-07T25:00:00Z", "2026-12-07T10:00:00+1", "20261207"] {
            #expect(DatasetPeriod.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("from after to is refused naming from; the same day for both is one whole day")
    func ordering() throws {
        #expect(throws: ParameterError.self) { try DatasetPeriod(["from": "2026-12-08", "to": "2026-12-07"]) }
        let day = try DatasetPeriod(["from": "2026-12-07", "to": "2026-12-07"])
        #expect(day.to! - day.from! == 86_400_000)
        #expect(day.contains(day.from!) && !day.contains(day.to!))
        let rule = ParameterRule.period()
        #expect(throws: ParameterError.self) { try rule.check(["from": "2026-12-07T10:00:00Z", "to": "2026-12-07T09:59:59Z"]) }
    }
}
