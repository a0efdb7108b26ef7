import Foundation
import NotifyModel
import Testing

enum PreferenceTestTime {
    /// Parses an ISO 8601 instant such as `2026-03-29T01:00:00Z`.
    static func instant(_ text: String) -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else {
            fatalError("bad test instant \(text)")
        }
        return date
    }
}

@Suite struct QuietHoursTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let zone: String
        let start: String
        let end: String
        let now: String
        let release: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Europe/Berlin: CET (+1) → CEST (+2) on 2026-03-29 at 01:00Z; back on 2026-10-25 at 01:00Z.
        Case(
            name: "Berlin overnight into spring forward", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-03-28T23:00:00Z", release: "2026-03-29T05:00:00Z"),
        Case(
            name: "Berlin overnight into fall back", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-10-24T21:00:00Z", release: "2026-10-25T06:00:00Z"),
        Case(
            name: "Berlin end in the spring-forward gap releases at the jump", zone: "Europe/Berlin", start: "22:00",
            end: "02:30", now: "2026-03-28T23:30:00Z", release: "2026-03-29T01:00:00Z"),
        Case(
            name: "Berlin end in the fall-back overlap releases at its first occurrence", zone: "Europe/Berlin",
            start: "22:00", end: "02:30", now: "2026-10-24T22:00:00Z", release: "2026-10-25T00:30:00Z"),
        Case(
            name: "Berlin during the repeated hour releases at the occurrence still ahead", zone: "Europe/Berlin",
            start: "22:00", end: "02:30", now: "2026-10-25T01:10:00Z", release: "2026-10-25T01:30:00Z"),
        Case(
            name: "Berlin start in the gap: inside right after the jump", zone: "Europe/Berlin", start: "02:30",
            end: "06:00", now: "2026-03-29T01:00:00Z", release: "2026-03-29T04:00:00Z"),
        Case(
            name: "Berlin start in the gap: outside right before the jump", zone: "Europe/Berlin", start: "02:30",
            end: "06:00", now: "2026-03-29T00:59:59Z", release: nil),
        // America/New_York: EST (-5) → EDT (-4) on 2026-03-08 at 07:00Z; back on 2026-11-01 at 06:00Z.
        Case(
            name: "New York overnight into spring forward", zone: "America/New_York", start: "22:00", end: "07:00",
            now: "2026-03-08T04:00:00Z", release: "2026-03-08T11:00:00Z"),
        Case(
            name: "New York overnight into fall back", zone: "America/New_York", start: "22:00", end: "07:00",
            now: "2026-11-01T03:00:00Z", release: "2026-11-01T12:00:00Z"),
        Case(
            name: "New York end in the gap", zone: "America/New_York", start: "22:00", end: "02:30",
            now: "2026-03-08T06:30:00Z", release: "2026-03-08T07:00:00Z"),
        Case(
            name: "New York end in the overlap", zone: "America/New_York", start: "23:00", end: "01:30",
            now: "2026-11-01T04:00:00Z", release: "2026-11-01T05:30:00Z"),
        Case(
            name: "New York daytime window on the fall-back day", zone: "America/New_York", start: "13:00",
            end: "14:00", now: "2026-11-01T18:30:00Z", release: "2026-11-01T19:00:00Z"),
        // Asia/Kolkata: +05:30, no DST.
        Case(
            name: "Kolkata overnight", zone: "Asia/Kolkata", start: "22:00", end: "07:00", now: "2026-06-01T17:00:00Z",
            release: "2026-06-02T01:30:00Z"),
        Case(
            name: "Kolkata after midnight", zone: "Asia/Kolkata", start: "22:00", end: "07:00",
            now: "2026-06-01T20:00:00Z", release: "2026-06-02T01:30:00Z"),
        Case(
            name: "Kolkata daytime window", zone: "Asia/Kolkata", start: "13:00", end: "14:00",
            now: "2026-06-01T07:45:00Z", release: "2026-06-01T08:30:00Z"),
        Case(
            name: "Kolkata daytime window, before it", zone: "Asia/Kolkata", start: "13:00", end: "14:00",
            now: "2026-06-01T07:29:59Z", release: nil),
        Case(
            name: "Kolkata daytime window, at its end", zone: "Asia/Kolkata", start: "13:00", end: "14:00",
            now: "2026-06-01T08:30:00Z", release: nil),
        // Boundaries: the start is inside, the end is not.
        Case(
            name: "exactly at start is inside", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-06-01T20:00:00Z", release: "2026-06-02T05:00:00Z"),
        Case(
            name: "one second before start is outside", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-06-01T19:59:59Z", release: nil),
        Case(
            name: "one second before end is inside", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-06-02T04:59:59Z", release: "2026-06-02T05:00:00Z"),
        Case(
            name: "exactly at end is outside", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-06-02T05:00:00Z", release: nil),
        Case(
            name: "midday is outside an overnight window", zone: "Europe/Berlin", start: "22:00", end: "07:00",
            now: "2026-06-02T10:00:00Z", release: nil),
        Case(
            name: "window ending at midnight", zone: "UTC", start: "20:00", end: "00:00",
            now: "2026-06-02T23:59:00Z", release: "2026-06-03T00:00:00Z"),
        Case(
            name: "window starting at midnight", zone: "UTC", start: "00:00", end: "06:00",
            now: "2026-06-02T00:00:00Z", release: "2026-06-02T06:00:00Z"),
    ]

    @Test(arguments: cases)
    func releaseTime(_ example: Case) {
        let hours = QuietHours(start: example.start, end: example.end, timeZone: example.zone)
        #expect(
            hours.releaseTime(at: PreferenceTestTime.instant(example.now))
                == example.release.map(PreferenceTestTime.instant))
    }

    @Test func invalidQuietHoursNeverHold() {
        let hours = QuietHours(start: "22:00", end: "07:00", timeZone: "Mars/Olympus")
        #expect(hours.releaseTime(at: PreferenceTestTime.instant("2026-06-01T23:00:00Z")) == nil)
    }

    @Test(arguments: [
        ("22:00", "07:00", "Europe/Berlin"), ("00:00", "23:59", "Asia/Kolkata"), ("13:00", "14:00", "UTC"),
    ])
    func acceptsValidQuietHours(_ start: String, _ end: String, _ zone: String) throws {
        try QuietHours(start: start, end: end, timeZone: zone).validate()
    }

    @Test(arguments: [
        ("24:00", "07:00", "UTC", "start \"24:00\" is not a time"),
        ("7:00", "07:00", "UTC", "start \"7:00\" is not a time"),
        ("22:00", "07:60", "UTC", "end \"07:60\" is not a time"),
        ("22:00", "7am", "UTC", "end \"7am\" is not a time"),
        ("22:00", "07:00 ", "UTC", "end \"07:00 \" is not a time"),
        ("08:00", "08:00", "UTC", "start and end are both 08:00"),
        ("22:00", "07:00", "Mars/Olympus", "time zone \"Mars/Olympus\" is unknown"),
        ("22:00", "07:00", "", "time zone \"\" is unknown"),
    ])
    func rejectsInvalidQuietHours(_ start: String, _ end: String, _ zone: String, _ problem: String) {
        do {
            try QuietHours(start: start, end: end, timeZone: zone).validate()
            Issue.record("expected invalid_quiet_hours")
        } catch {
            #expect(error.code == "invalid_quiet_hours")
            #expect(error.message.contains(problem), "\(error.message)")
        }
    }

    @Test func codesTheTimeZoneAsTimezone() throws {
        let json = #"{"start":"22:00","end":"07:00","timezone":"Europe/Berlin"}"#
        let hours = try JSONDecoder().decode(QuietHours.self, from: Data(json.utf8))
        #expect(hours == QuietHours(start: "22:00", end: "07:00", timeZone: "Europe/Berlin"))
        let encoded = String(decoding: try JSONEncoder().encode(hours), as: UTF8.self)
        #expect(
            encoded.contains("\"timezone\":\"Europe\\/Berlin\"") || encoded.contains("\"timezone\":\"Europe/Berlin\""))
    }
}
