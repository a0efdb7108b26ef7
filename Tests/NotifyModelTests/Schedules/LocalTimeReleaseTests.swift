import Foundation
import NotifyModel
import Testing

/// Local wall-clock times: parsing, and the instant each zone reaches them.
@Suite struct LocalTimeReleaseTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(arguments: [
        ("2026-12-02T09:00", "2026-12-02T09:00:00"), ("2026-12-02 09:00:30", "2026-12-02T09:00:30"),
        ("2028-02-29T23:59:59", "2028-02-29T23:59:59"),
    ])
    func parses(text: String, normalised: String) throws {
        #expect(try LocalDateTime(parsing: text).description == normalised)
    }

    @Test(arguments: [
        "2026-12-02T09:00Z", "2026-12-02T09:00+01:00", "2026-02-30T09:00", "2026-12-02", "2026-12-02T24:00",
        "tomorrow", "2026-12-2T9:00",
    ])
    func refuses(text: String) {
        #expect(throws: ModelError.self) { try LocalDateTime(parsing: text) }
        do { _ = try LocalDateTime(parsing: text) } catch { #expect(error.code == "invalid_local_time") }
    }

    @Test(arguments: [
        ("Asia/Kolkata", "2026-12-02T09:00", "2026-12-02T03:30:00Z"),
        ("Australia/Adelaide", "2026-12-02T09:00", "2026-12-01T22:30:00Z"),
        ("America/New_York", "2026-12-02T09:00", "2026-12-02T14:00:00Z"),
        ("Europe/Berlin", "2026-12-02T09:00", "2026-12-02T08:00:00Z"),
        ("Pacific/Kiritimati", "2026-12-02T09:00", "2026-12-01T19:00:00Z"),
        // Gap: 02:30 does not exist on 2026-03-29 in Berlin; the first instant after it is 03:00 CEST.
        ("Europe/Berlin", "2026-03-29T02:30", "2026-03-29T01:00:00Z"),
        // Overlap: 02:30 happens twice on 2026-10-25 in Berlin; the first is still CEST.
        ("Europe/Berlin", "2026-10-25T02:30", "2026-10-25T00:30:00Z"),
        ("America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00Z"),
    ])
    func releaseInstants(zone: String, local: String, expected: String) throws {
        let instant = LocalTimeRelease.instant(
            of: try LocalDateTime(parsing: local), in: LocalTimeRelease.zone(named: zone))
        #expect(instant == Self.at(expected))
    }

    @Test func aMissingOrUnknownZoneIsUTC() throws {
        let local = try LocalDateTime(parsing: "2026-12-02T09:00")
        #expect(
            LocalTimeRelease.instant(of: local, in: LocalTimeRelease.zone(named: nil))
                == Self.at("2026-12-02T09:00:00Z"))
        #expect(LocalTimeRelease.zone(named: "Mars/Olympus").secondsFromGMT(for: Self.at("2026-07-01T00:00:00Z")) == 0)
        #expect(LocalTimeRelease.earliestInstant(of: local) == Self.at("2026-12-01T19:00:00Z"))
    }
}
