import Foundation

/// A user's daily quiet hours: deliveries that would arrive inside the window are held until it
/// ends. Times are wall-clock times in the user's time zone; the window may cross midnight
/// (`22:00`–`07:00`) or not (`13:00`–`14:00`). The start is inside the window, the end is not.
///
/// JSON: `{"start":"22:00","end":"07:00","timezone":"Europe/Berlin"}`.
public struct QuietHours: Codable, Sendable, Hashable {
    /// When the window starts, `HH:mm` (24-hour).
    public var start: String
    /// When the window ends, `HH:mm` (24-hour).
    public var end: String
    /// The IANA time zone the times are in, such as `Europe/Berlin`.
    public var timeZone: String

    enum CodingKeys: String, CodingKey {
        case start, end
        case timeZone = "timezone"
    }

    /// Creates quiet hours; call `validate()` before storing them.
    public init(start: String, end: String, timeZone: String) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// Checks the times are `HH:mm` between `00:00` and `23:59`, differ, and that the time zone is
    /// a known IANA zone. Throws `invalid_quiet_hours`.
    public func validate() throws(ModelError) {
        var problems: [String] = []
        if Self.minutes(start) == nil {
            problems.append("start \"\(start)\" is not a time; use HH:mm between 00:00 and 23:59, such as 22:00")
        }
        if Self.minutes(end) == nil {
            problems.append("end \"\(end)\" is not a time; use HH:mm between 00:00 and 23:59, such as 07:00")
        }
        if let start = Self.minutes(start), let end = Self.minutes(end), start == end {
            problems.append("start and end are both \(self.start); a window needs different start and end times")
        }
        if TimeZone(identifier: timeZone) == nil {
            problems.append("time zone \"\(timeZone)\" is unknown; use an IANA name such as Europe/Berlin")
        }
        if !problems.isEmpty {
            throw ModelError(code: "invalid_quiet_hours", "quiet hours: " + problems.joined(separator: "; "))
        }
    }

    /// When the window that `now` falls in ends, or nil when `now` is outside the window (or the
    /// quiet hours are invalid).
    ///
    /// The end is found in the zone's wall-clock time: when clocks jump over it (spring forward),
    /// the window ends at the jump; when it occurs twice (fall back), at its first occurrence that
    /// is still ahead of `now`.
    public func releaseTime(at now: Date) -> Date? {
        guard let startMinute = Self.minutes(start), let endMinute = Self.minutes(end), startMinute != endMinute,
            let zone = TimeZone(identifier: timeZone)
        else { return nil }
        let clock = ZonedWallClock(timeZone: zone)
        let (day, seconds) = clock.wallTime(of: now)
        let startSecond = Double(startMinute * 60)
        let endSecond = Double(endMinute * 60)

        let releaseDay: Int
        if startMinute < endMinute {
            guard seconds >= startSecond, seconds < endSecond else { return nil }
            releaseDay = day
        } else if seconds >= startSecond {
            releaseDay = day + 1
        } else if seconds < endSecond {
            releaseDay = day
        } else {
            return nil
        }

        let occurrences = clock.instants(day: releaseDay, secondsIntoDay: endMinute * 60)
        if occurrences.isEmpty {
            return clock.firstInstant(day: releaseDay, secondsIntoDay: endMinute * 60)
        }
        return occurrences.first { $0 > now }
    }

    /// Minutes after midnight of an `HH:mm` time, or nil when it is not one.
    static func minutes(_ time: String) -> Int? {
        let characters = Array(time)
        guard characters.count == 5, characters[2] == ":",
            let hour = Int(String(characters[0...1])), let minute = Int(String(characters[3...4])),
            characters[0...1].allSatisfy(\.isASCII), characters[3...4].allSatisfy(\.isASCII),
            characters[0...1].allSatisfy(\.isNumber), characters[3...4].allSatisfy(\.isNumber),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }
}
