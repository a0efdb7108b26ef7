import Foundation

/// When a local-time send reaches a recipient: the instant their own zone's wall clock shows the
/// requested time.
///
/// Rules, stated once and tested:
/// - **Zone.** The recipient's IANA zone (`notify.users.timezone`); a user with none gets the
///   tenant's default (`notify tenants set-timezone`, UTC unless set). A zone this system does not
///   know counts as UTC.
/// - **Gap** (clocks jump forward over the time, such as 02:30 on a spring-forward day): the first
///   instant after the gap, which is the moment of the jump (03:00 local in Europe and the US).
/// - **Overlap** (clocks go back and the time occurs twice): the first occurrence (the one before
///   the change, still in daylight-saving time).
/// - **Half-hour and 45-minute offsets** (Asia/Kolkata +05:30, Australia/Adelaide +09:30/+10:30,
///   Asia/Kathmandu +05:45) need nothing special: the conversion is in seconds.
/// - A time already past in a recipient's zone is released at once.
public enum LocalTimeRelease {
    /// The largest offset ahead of UTC of any zone (Pacific/Kiritimati, +14:00): no recipient
    /// reaches a wall-clock time earlier than that time read at +14:00.
    public static let earliestOffsetSeconds = 14 * 3600

    /// The zone used for a recipient: their IANA zone, or UTC when it is missing or unknown.
    public static func zone(named identifier: String?) -> TimeZone {
        resolvedZone(named: identifier).zone
    }

    /// The zone used for a recipient and the name to show for it: the name as stored when the
    /// zone is known, else `UTC`. Never Foundation's `identifier`, which names UTC `GMT` on Linux.
    public static func resolvedZone(named identifier: String?) -> (zone: TimeZone, name: String) {
        if let identifier, let zone = TimeZone(identifier: identifier) { return (zone, identifier) }
        return (TimeZone(identifier: "UTC")!, "UTC")
    }

    /// The instant `local` is released in `zone`, by the gap and overlap rules above.
    public static func instant(of local: LocalDateTime, in zone: TimeZone) -> Date {
        ZonedWallClock(timeZone: zone).firstInstant(day: local.day.number, secondsIntoDay: local.secondsIntoDay)
    }

    /// The first instant any recipient anywhere can be due: `local` read at UTC+14.
    public static func earliestInstant(of local: LocalDateTime) -> Date {
        local.asUTC.addingTimeInterval(-Double(earliestOffsetSeconds))
    }
}
