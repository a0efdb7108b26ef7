import Foundation
import NotifyModel
import Testing

/// The cron parser and next-occurrence search, across DST changes and half-hour zones.
@Suite struct CronExpressionTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func zone(_ name: String) -> TimeZone { TimeZone(identifier: name)! }

    static func next(_ cron: String, _ after: String, _ zone: String) throws -> Date? {
        try CronExpression(cron).next(after: at(after), in: Self.zone(zone))
    }

    @Test func fieldsAcceptListsRangesStepsAndNames() throws {
        let cron = try CronExpression("*/15 9-17 1,15 jan-MAR,Dec mon-FRI")
        #expect(cron.seconds.values == [0])
        #expect(cron.minutes.values == [0, 15, 30, 45])
        #expect(cron.hours.values == Array(9...17))
        #expect(cron.daysOfMonth.values == [1, 15])
        #expect(cron.months.values == [1, 2, 3, 12])
        #expect(cron.daysOfWeek.values == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek.values == [0])
        #expect(try CronExpression("5/20 * * * *").minutes.values == [5, 25, 45])
        #expect(try CronExpression("0 10-20/5 * * *").hours.values == [10, 15, 20])
        #expect(try CronExpression("*/20 * * * * *").seconds.values == [0, 20, 40])
    }

    @Test(arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@HOURLY", "0 * * * *"),
    ])
    func macrosExpand(macro: String, expanded: String) throws {
        let a = try CronExpression(macro)
        let b = try CronExpression(expanded)
        #expect(a.minutes == b.minutes && a.hours == b.hours && a.daysOfMonth == b.daysOfMonth)
        #expect(a.months == b.months && a.daysOfWeek == b.daysOfWeek)
    }

    @Test(arguments: [
        ("61 * * * *", CronError.Code.valueOutOfRange, CronField.Kind.minute),
        ("* 24 * * *", .valueOutOfRange, .hour),
        ("* * 0 * *", .valueOutOfRange, .dayOfMonth),
        ("* * * FOO *", .invalidField, .month),
        ("* * * * MONDAY", .invalidField, .dayOfWeek),
        ("*/0 * * * *", .invalidStep, .minute),
        ("* * * * * /2", .invalidField, .dayOfWeek),
        ("5-1 * * * *", .invalidRange, .minute),
        ("1,,2 * * * *", .invalidField, .minute),
        ("60 * * * * *", .valueOutOfRange, .second),
    ])
    func badFieldsAreNamed(text: String, code: CronError.Code, field: CronField.Kind) {
        do {
            _ = try CronExpression(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == code)
            #expect(error.field == field)
            #expect(error.message.contains("the \(field.rawValue) field"))
        }
    }

    @Test(arguments: [
        ("* * *", CronError.Code.fieldCount), ("* * * * * * *", .fieldCount), ("", .fieldCount),
        ("@often", .unknownMacro),
    ])
    func wrongFieldCountsAndUnknownMacrosAreRefused(text: String, code: CronError.Code) {
        #expect(throws: CronError.self) { try CronExpression(text) }
        do { _ = try CronExpression(text) } catch {
            #expect(error.code == code)
            #expect(error.field == nil)
        }
    }

    @Test func nextInUTCAndWithSeconds() throws {
        #expect(try Self.next("*/15 * * * *", "2026-12-01T10:07:00Z", "UTC") == Self.at("2026-12-01T10:15:00Z"))
        #expect(try Self.next("*/15 * * * *", "2026-12-01T10:15:00Z", "UTC") == Self.at("2026-12-01T10:30:00Z"))
        #expect(try Self.next("*/20 * * * * *", "2026-12-01T12:00:05Z", "UTC") == Self.at("2026-12-01T12:00:20Z"))
        #expect(try Self.next("0 0 1 1 *", "2026-12-01T00:00:00Z", "UTC") == Self.at("2027-01-01T00:00:00Z"))
        #expect(try Self.next("0 12 29 2 *", "2026-12-01T00:00:00Z", "UTC") == Self.at("2028-02-29T12:00:00Z"))
        #expect(try Self.next("0 0 30 2 *", "2026-12-01T00:00:00Z", "UTC") == nil)
    }

    @Test func dayOfMonthAndDayOfWeekAreOrWhenBothAreRestricted() throws {
        // 2026-12-04 is a Friday; the 13th is a Sunday.
        let cron = try CronExpression("0 8 13 * FRI")
        let hits = cron.occurrences(after: Self.at("2026-12-01T00:00:00Z"), in: Self.zone("UTC"), count: 4)
        #expect(
            hits
                == ["2026-12-04T08:00:00Z", "2026-12-11T08:00:00Z", "2026-12-13T08:00:00Z", "2026-12-18T08:00:00Z"].map(
                    Self.at))
        // A star-led day-of-month means AND: every other day, and only Mondays.
        let both = try CronExpression("0 8 */2 * MON")
        #expect(
            both.occurrences(after: Self.at("2026-12-01T00:00:00Z"), in: Self.zone("UTC"), count: 2)
                == ["2026-12-07T08:00:00Z", "2026-12-21T08:00:00Z"].map(Self.at))
    }

    @Test func aSkippedTimeRunsOnceAtTheJumpOnTheSpringForwardDay() throws {
        // Europe/Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST (01:00Z).
        let cron = try CronExpression("30 2 * * *")
        let hits = cron.occurrences(after: Self.at("2026-03-27T12:00:00Z"), in: Self.zone("Europe/Berlin"), count: 3)
        #expect(hits == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"].map(Self.at))
        // America/New_York: 2026-03-08 02:00 EST becomes 03:00 EDT (07:00Z).
        #expect(
            try Self.next("30 2 * * *", "2026-03-08T05:00:00Z", "America/New_York") == Self.at("2026-03-08T07:00:00Z"))
        // Two skipped times (02:00 and 02:30) run once together at the jump.
        let halfHourly = try CronExpression("*/30 * * * *")
        #expect(
            halfHourly.occurrences(after: Self.at("2026-03-29T00:30:00Z"), in: Self.zone("Europe/Berlin"), count: 2)
                == ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"].map(Self.at))
    }

    @Test func aRepeatedTimeRunsOnceAtItsFirstOccurrenceOnTheFallBackDay() throws {
        // Europe/Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens twice.
        let cron = try CronExpression("30 2 * * *")
        let hits = cron.occurrences(after: Self.at("2026-10-24T12:00:00Z"), in: Self.zone("Europe/Berlin"), count: 2)
        #expect(hits == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"].map(Self.at))
        // America/New_York: 2026-11-01 02:00 EDT becomes 01:00 EST; 01:30 EDT is 05:30Z.
        let ny = try CronExpression("30 1 * * *")
        #expect(
            ny.occurrences(after: Self.at("2026-10-31T12:00:00Z"), in: Self.zone("America/New_York"), count: 2)
                == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"].map(Self.at))
        // A job that runs every hour runs through the repeated hour: 01:00 EDT, 01:00 EST, 02:00 EST.
        let hourly = try CronExpression("0 * * * *")
        #expect(
            hourly.occurrences(after: Self.at("2026-11-01T04:30:00Z"), in: Self.zone("America/New_York"), count: 3)
                == ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"].map(Self.at))
        let quarterly = try CronExpression("*/30 * * * *")
        #expect(
            quarterly.occurrences(after: Self.at("2026-11-01T05:00:00Z"), in: Self.zone("America/New_York"), count: 4)
                == ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z"]
                .map(Self.at))
        // A job at named hours in the repeated hour still runs once: 01:15 and 01:45 EDT only.
        let named = try CronExpression("15,45 1 * * *")
        #expect(
            named.occurrences(after: Self.at("2026-11-01T05:00:00Z"), in: Self.zone("America/New_York"), count: 3)
                == ["2026-11-01T05:15:00Z", "2026-11-01T05:45:00Z", "2026-11-02T06:15:00Z"].map(Self.at))
    }

    @Test func aPerSecondScheduleIsContinuousAcrossBothChanges() throws {
        let cron = try CronExpression("* * * * * *")
        let berlin = Self.zone("Europe/Berlin")
        // Spring forward: 01:59:59 CET, then 03:00:00 CEST one second later.
        #expect(
            cron.occurrences(after: Self.at("2026-03-29T00:59:58Z"), in: berlin, count: 3)
                == ["2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-03-29T01:00:01Z"].map(Self.at))
        // Fall back: 02:59:59 CEST, then 02:00:00 CET one second later, every second of the repeated hour.
        #expect(
            cron.occurrences(after: Self.at("2026-10-25T00:59:58Z"), in: berlin, count: 3)
                == ["2026-10-25T00:59:59Z", "2026-10-25T01:00:00Z", "2026-10-25T01:00:01Z"].map(Self.at))
        #expect(
            cron.occurrences(after: Self.at("2026-10-25T01:59:58Z"), in: berlin, count: 3)
                == ["2026-10-25T01:59:59Z", "2026-10-25T02:00:00Z", "2026-10-25T02:00:01Z"].map(Self.at))
        // 3,600 consecutive seconds on an ordinary day, in order, one apart.
        let hour = cron.occurrences(after: Self.at("2026-12-01T09:59:59Z"), in: berlin, count: 3600)
        #expect(hour.count == 3600)
        #expect(zip(hour, hour.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 1 })
    }

    @Test func halfHourOffsetZones() throws {
        #expect(try Self.next("0 9 * * *", "2026-12-01T00:00:00Z", "Asia/Kolkata") == Self.at("2026-12-01T03:30:00Z"))
        // Adelaide in December is ACDT, +10:30: 09:00 on Dec 2 is 22:30Z on Dec 1.
        #expect(
            try Self.next("0 9 * * *", "2026-12-01T00:00:00Z", "Australia/Adelaide") == Self.at("2026-12-01T22:30:00Z"))
        // Adelaide springs forward on 2026-10-04 at 02:00 ACST (+09:30) to 03:00 ACDT: 02:30 runs at 03:00.
        #expect(
            try Self.next("30 2 * * *", "2026-10-03T12:00:00Z", "Australia/Adelaide") == Self.at("2026-10-03T16:30:00Z")
        )
        #expect(
            try Self.next("0 9 * * *", "2026-12-01T00:00:00Z", "Asia/Kathmandu") == Self.at("2026-12-01T03:15:00Z"))
    }

    @Test func zoneLessWallClockOccurrences() throws {
        let cron = try CronExpression("0 9 * * *")
        let start = try LocalDateTime(parsing: "2026-12-01T09:00")
        #expect(cron.next(after: start)?.description == "2026-12-02T09:00:00")
    }
}
