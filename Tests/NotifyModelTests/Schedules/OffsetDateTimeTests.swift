import Foundation
import NotifyModel
import Testing

/// Instants and local times as the API and the SQL producers take them: strictly, with no roll-over
/// of dates that do not exist and nothing after the offset.
@Suite struct OffsetDateTimeTests {
    @Test(arguments: [
        ("2030-01-01T09:00:00Z", 1_893_488_400.0),
        ("2030-01-01T09:00:00z", 1_893_488_400.0),
        ("2030-01-01T11:00:00+02:00", 1_893_488_400.0),
        ("2030-01-01T11:00:00+0200", 1_893_488_400.0),
        ("2030-01-01T11:00:00+02", 1_893_488_400.0),
        ("2030-01-01T03:30:00-05:30", 1_893_488_400.0),
        ("2030-01-01T09:00:00.25Z", 1_893_488_400.25),
        ("2030-01-02T03:00:00+18:00", 1_893_488_400.0),
        ("2028-02-29T00:00:00Z", 1_835_395_200.0),
    ])
    func takesTheForms(_ text: String, _ seconds: Double) throws {
        let instant = try #require(OffsetDateTime.instant(parsing: text), "\(text)")
        #expect(abs(instant.timeIntervalSince1970 - seconds) < 0.000_5, "\(text)")
    }

    @Test func takesNineDecimals() throws {
        let instant = try #require(OffsetDateTime.instant(parsing: "2030-01-01T09:00:00.123456789Z"))
        #expect(abs(instant.timeIntervalSince1970 - 1_893_488_400.123_456_789) < 0.000_001)
    }

    @Test(arguments: [
        "tomorrow", "2030-01-01T09:00:00", "2030-01-01", "2030-01-01 09:00:00Z", "2030-02-30T09:00:00Z",
        "2030-01-01T24:00:00Z", "2030-01-01T09:60:00Z", "2030-01-01T09:00:60Z", "2030-01-01T09:00:00+02:60",
        "2030-01-01T09:00:00+19:00", "2030-01-01T09:00:00+02:00x", "2030-01-01T09:00:00Z ", "2030-01-01T09:00:00GMT",
        "2030-1-01T09:00:00Z", "+030-01-01T09:00:00Z", "0000-01-01T09:00:00Z", "2030-01-01T09:00:00.Z",
        "2030-01-01T09:00:00.1234567891Z", "2030-01-01t09:00:00Z", "2030-01-01T09:00:00+02:00:30",
    ])
    func refusesTheRest(_ text: String) {
        #expect(OffsetDateTime.instant(parsing: text) == nil, "\(text)")
    }

    @Test func localTimesAreStrictToo() throws {
        #expect(try LocalDateTime(parsing: "2026-12-24T09:00").description.hasPrefix("2026-12-24T09:00"))
        #expect(try LocalDateTime(parsing: "2026-12-24 09:00:30").description.hasPrefix("2026-12-24T09:00:30"))
        for text in [
            "2026-12-24T+9:00", "2026-12-24TT09:00", "2026-02-30T09:00", "2026-12-24T09:00Z", "2026-12-24T9:00",
            "0000-12-24T09:00", "2026-12-24T24:00",
        ] {
            #expect(throws: ModelError.self, "\(text)") { try LocalDateTime(parsing: text) }
        }
    }
}
