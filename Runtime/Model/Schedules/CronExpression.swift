import Foundation

/// A cron expression: five fields (minute hour day-of-month month day-of-week), or six with a
/// leading seconds field, or one of the macros `@yearly` (`@annually`), `@monthly`, `@weekly`,
/// `@daily` (`@midnight`) and `@hourly`.
///
/// Each field takes `*`, values, names (`JAN`–`DEC`, `SUN`–`SAT`, any case), ranges `a-b`, steps
/// `*/n`, `a-b/n` and `a/n`, and comma lists of those. Day-of-week 0 and 7 are both Sunday. As in
/// Vixie cron, when both day-of-month and day-of-week are restricted (neither starts with `*`), a
/// day matches if **either** matches; otherwise both must.
///
/// Occurrences are wall-clock times in a zone; see ``next(after:in:)`` for the DST rules.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text as given (trimmed).
    public let text: String
    /// The seconds field (`0` in the five-field form).
    public let seconds: CronField
    /// The minutes field.
    public let minutes: CronField
    /// The hours field.
    public let hours: CronField
    /// The day-of-month field.
    public let daysOfMonth: CronField
    /// The months field.
    public let months: CronField
    /// The day-of-week field.
    public let daysOfWeek: CronField

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses an expression; the error names the field at fault.
    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var source = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw CronError(
                    .unknownMacro,
                    "\"\(trimmed.prefix(40))\" is not a known macro; use @yearly, @monthly, @weekly, @daily or @hourly")
            }
            source = expanded
        }
        var fields = source.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError(
                .fieldCount,
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field; this one has \(fields.count)"
            )
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        self.text = trimmed
        seconds = try CronField(fields[0], kind: .second)
        minutes = try CronField(fields[1], kind: .minute)
        hours = try CronField(fields[2], kind: .hour)
        daysOfMonth = try CronField(fields[3], kind: .dayOfMonth)
        months = try CronField(fields[4], kind: .month)
        daysOfWeek = try CronField(fields[5], kind: .dayOfWeek)
    }

    /// True when the expression fires on `day` (the day-of-month / day-of-week OR rule).
    public func matches(_ day: CivilDay) -> Bool {
        guard months.contains(day.month) else { return false }
        let dayOfMonth = daysOfMonth.contains(day.day)
        let dayOfWeek = daysOfWeek.contains(day.weekday)
        if !daysOfMonth.isStar && !daysOfWeek.isStar { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    public var description: String { text }
}
