import Foundation

/// A wall-clock date and time with no time zone, such as `2026-12-02T09:00`: "09:00 wherever the
/// recipient is". Seconds are optional in the text form and default to 0.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The calendar day.
    public let day: CivilDay
    /// Seconds into the day, 0..<86,400.
    public let secondsIntoDay: Int

    /// Creates a wall-clock time.
    public init(day: CivilDay, secondsIntoDay: Int) {
        self.day = day
        self.secondsIntoDay = secondsIntoDay
    }

    /// Parses `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space instead of `T` is accepted).
    /// An offset or `Z` is refused: a local time names no zone.
    public init(parsing text: String) throws(ModelError) {
        let invalid = ModelError(
            code: "invalid_local_time",
            "\"\(text.prefix(40))\" is not a local date-time; write it as YYYY-MM-DDTHH:MM[:SS] with no offset, such as 2026-12-02T09:00"
        )
        // Every field has all its digits and nothing else (no sign, no doubled separator).
        let bytes = Array(text.utf8)
        guard bytes.count == 16 || bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"),
            bytes.count == 16 || bytes[16] == UInt8(ascii: ":"),
            let year = OffsetDateTime.number(bytes[0..<4]), let month = OffsetDateTime.number(bytes[5..<7]),
            let dayOfMonth = OffsetDateTime.number(bytes[8..<10]), let hour = OffsetDateTime.number(bytes[11..<13]),
            let minute = OffsetDateTime.number(bytes[14..<16]),
            let second = bytes.count == 19 ? OffsetDateTime.number(bytes[17..<19]) : 0,
            (1...9999).contains(year), (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
            let day = CivilDay(year: year, month: month, day: dayOfMonth)
        else { throw invalid }
        self.init(day: day, secondsIntoDay: hour * 3600 + minute * 60 + second)
    }

    /// The wall-clock time `instant` shows in UTC (used for schedules whose occurrences are wall
    /// times in each recipient's zone: the cron runs on a zone-less clock).
    public init(utc instant: Date) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let dayNumber = Int((Double(seconds) / 86_400).rounded(.down))
        self.init(day: CivilDay(number: dayNumber), secondsIntoDay: seconds - dayNumber * 86_400)
    }

    /// This wall-clock time read as UTC.
    public var asUTC: Date { Date(timeIntervalSince1970: Double(day.number * 86_400 + secondsIntoDay)) }

    /// `YYYY-MM-DDTHH:MM:SS`.
    public var description: String {
        let hour = secondsIntoDay / 3600
        let minute = secondsIntoDay / 60 % 60
        let second = secondsIntoDay % 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(day.year)
        return "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(day.month))-\(two(day.day))T"
            + "\(two(hour)):\(two(minute)):\(two(second))"
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.day.number, lhs.secondsIntoDay) < (rhs.day.number, rhs.secondsIntoDay)
    }
}
