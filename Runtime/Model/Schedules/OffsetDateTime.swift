import Foundation

/// The text of an instant as the API and the SQL producers take it (`send_at`, `start_at`): an
/// ISO 8601 date-time with seconds, up to nine decimals, and an offset — `Z` (or `z`), `±hh`,
/// `±hhmm` or `±hh:mm`, at most 18 hours — such as `2030-01-01T09:00:00Z`.
///
/// Strict where Foundation's ISO 8601 reader is lax: a date that does not exist (February 30) or
/// a time past 23:59:59 is refused rather than rolled over, a field must have all its digits, and
/// nothing may follow the offset. `notify.parse_send_at` (migration 25) applies the same rules in
/// SQL.
public enum OffsetDateTime {
    /// The instant `text` names, or nil when it is not in this form.
    public static func instant(parsing text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let dayOfMonth = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            (1...9999).contains(year), hour <= 23, minute <= 59, second <= 59,
            let day = CivilDay(year: year, month: month, day: dayOfMonth)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            var end = index + 1
            while end < bytes.count, isDigit(bytes[end]) { end += 1 }
            let digits = end - index - 1
            guard (1...9).contains(digits), let value = number(bytes[(index + 1)..<end]) else { return nil }
            fraction = Double(value) / pow(10, Double(digits))
            index = end
        }
        guard let offsetMinutes = offset(bytes[index...]) else { return nil }
        let seconds = day.number * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// True for text in this form whose date or time does not exist (February 30, 25:00): every
    /// digit and separator in place and the offset valid, yet no instant.
    public static func namesNoSuchInstant(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, instant(parsing: text) == nil else { return false }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
            [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].allSatisfy({ isDigit(bytes[$0]) })
        else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            var end = index + 1
            while end < bytes.count, isDigit(bytes[end]) { end += 1 }
            guard (1...9).contains(end - index - 1) else { return false }
            index = end
        }
        return offset(bytes[index...]) != nil
    }

    /// The offset in minutes east of UTC, or nil when `zone` is not `Z`, `±hh`, `±hhmm` or `±hh:mm`
    /// within 18 hours.
    static func offset(_ zone: ArraySlice<UInt8>) -> Int? {
        let zone = Array(zone)
        if zone == [UInt8(ascii: "Z")] || zone == [UInt8(ascii: "z")] { return 0 }
        guard let sign = zone.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let hours: Int?
        let minutes: Int?
        switch zone.count {
        case 3: (hours, minutes) = (number(zone[1..<3]), 0)
        case 5: (hours, minutes) = (number(zone[1..<3]), number(zone[3..<5]))
        case 6 where zone[3] == UInt8(ascii: ":"): (hours, minutes) = (number(zone[1..<3]), number(zone[4..<6]))
        default: return nil
        }
        guard let hours, let minutes, minutes <= 59 else { return nil }
        let total = hours * 60 + minutes
        guard total <= 18 * 60 else { return nil }
        return sign == UInt8(ascii: "-") ? -total : total
    }

    /// The value of ASCII digits, or nil when any byte is not one (a sign is not a digit).
    static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
